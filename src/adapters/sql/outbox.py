"""The outbox and its deliveries in SQL (webhook endpoints and waiting lists are beside it).

- An event is one row, inserted with the other writes of its change (`write_many`: one
  multi-row insert, sent with the commit on PostgreSQL).
- Workers take events to fan out, and deliveries to send, with `SELECT ... FOR UPDATE SKIP
  LOCKED` on PostgreSQL (rows another worker holds are skipped, not waited for); SQLite has
  no row locks and needs none: a write unit of work holds its write lock from `BEGIN
  IMMEDIATE`. A claimed delivery carries the claim's token and an expiry: a worker killed
  while sending lets it go when the claim runs out, and only the claim's holder may write
  its outcome.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import and_, bindparam, delete, exists, func, insert, or_, select, update

from bookstore.adapters.sql.event_tables import event_deliveries, events, webhook_endpoints
from bookstore.adapters.sql.statements import Db, Row, listing
from bookstore.application.outbox import (
    ClaimedDelivery,
    Event,
    NewDelivery,
    NewEvent,
    Snapshots,
    snapshot,
)
from bookstore.domain.events import (
    DUE,
    Channel,
    Delivery,
    DeliveryStatus,
    EventType,
    WebhookEndpoint,
)
from bookstore.domain.pagination import Page, PageRequest

_e, _d, _w = events.c, event_deliveries.c, webhook_endpoints.c
_EVENT_COLUMNS = (_e.id, _e.type, _e.created_at, _e.data, _e.notify)
_DELIVERY_COLUMNS = (
    _d.id,
    _d.event_id,
    _d.event_type,
    _d.channel,
    _d.status,
    _d.attempts,
    _d.next_attempt_at,
    _d.created_at,
    _d.endpoint_id,
    _d.recipient,
    _d.last_status_code,
    _d.last_error,
)
ENDPOINT_COLUMNS = (
    _w.id,
    _w.url,
    _w.events,
    _w.secret,
    _w.created_at,
    _w.updated_at,
    _w.description,
    _w.active,
)
_OVER = [DeliveryStatus.SUCCEEDED.value, DeliveryStatus.DEAD.value]

_ADD_EVENT = insert(events)
_UNDISPATCHED = (
    select(*_EVENT_COLUMNS)
    .where(_e.dispatched.is_(False))
    .order_by(_e.seq)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_MARK_DISPATCHED = update(events).where(_e.id == bindparam("the_event")).values(dispatched=True)
_ADD_DELIVERY = insert(event_deliveries)

_FREE = or_(_d.claimed_until.is_(None), _d.claimed_until <= bindparam("now"))
_DUE = (
    select(*_DELIVERY_COLUMNS, *_EVENT_COLUMNS, *ENDPOINT_COLUMNS)
    .select_from(
        event_deliveries.join(events, _e.id == _d.event_id).outerjoin(
            webhook_endpoints, _w.id == _d.endpoint_id
        )
    )
    .where(
        or_(*(_d.status == status.value for status in DUE)),
        _d.next_attempt_at <= bindparam("now"),
        _FREE,
        or_(_d.endpoint_id.is_(None), _w.active.is_(True)),  # paused endpoints wait
    )
    .order_by(_d.next_attempt_at, _d.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True, of=event_deliveries)
)
_CLAIM = (
    update(event_deliveries)
    .where(_d.id == bindparam("the_delivery"))
    .values(claim=bindparam("the_claim"), claimed_until=bindparam("until"))
)
_RELEASE = (
    update(event_deliveries)
    .where(_d.id == bindparam("the_delivery"), _d.claim == bindparam("the_claim"))
    .values(claim=None, claimed_until=None)
)
"""Lets the claim go; with an outcome's columns given too, writes them (`finish`)."""
_ONE_DELIVERY = select(*_DELIVERY_COLUMNS).where(_d.id == bindparam("the_delivery"))
_OF_ENDPOINT, _COUNT_OF_ENDPOINT = listing(
    event_deliveries, _DELIVERY_COLUMNS, [_d.endpoint_id == bindparam("endpoint")], [_d.id.desc()]
)
_RETRY = (
    update(event_deliveries)
    .where(_d.id == bindparam("the_delivery"), _d.status != DeliveryStatus.SUCCEEDED.value)
    .values(status=DeliveryStatus.PENDING.value, next_attempt_at=bindparam("now"))
)
_PRUNABLE = and_(
    _e.created_at < bindparam("before"),
    _e.dispatched.is_(True),
    ~exists().where(_d.event_id == _e.id, *(_d.status != status for status in _OVER)),
)
_PRUNE_DELIVERIES = delete(event_deliveries).where(_d.event_id.in_(select(_e.id).where(_PRUNABLE)))
_PRUNE_EVENTS = delete(events).where(_PRUNABLE)
_PENDING = select(
    select(func.count()).select_from(events).where(_e.dispatched.is_(False)).scalar_subquery()
    + select(func.count(func.distinct(_d.event_id)))
    .where(_d.status.not_in(_OVER))
    .scalar_subquery()
)


class SqlOutbox:
    def __init__(self, db: Db, snapshots: Snapshots) -> None:
        self._db = db
        self._snapshots = snapshots

    def add(self, new_events: Sequence[NewEvent]) -> None:
        rows = [
            {
                "id": uuid.uuid4(),  # `seq`, the primary key, numbers them as recorded
                "type": new.type.value,
                "created_at": new.created,
                "data": json.dumps(snapshot(self._snapshots, new.subject)),
                "notify": json.dumps([str(user) for user in new.notify]),
                "dispatched": False,
            }
            for new in new_events
        ]
        self._db.write_many(_ADD_EVENT, rows)


class SqlDeliveries:
    def __init__(self, db: Db) -> None:
        self._db = db

    def undispatched(self, limit: int) -> list[Event]:
        return [_event(row) for row in self._db.rows(_UNDISPATCHED, {"limit": limit})]

    def dispatch(
        self, event_ids: Collection[UUID], deliveries: Sequence[NewDelivery], now: datetime
    ) -> None:
        self._db.write_many(
            _ADD_DELIVERY,
            [
                {
                    "event_id": new.event_id,
                    "event_type": new.event_type.value,
                    "channel": new.channel.value,
                    "endpoint_id": new.endpoint_id,
                    "recipient": new.recipient,
                    "status": DeliveryStatus.PENDING.value,
                    "attempts": 0,
                    "last_status_code": None,
                    "last_error": None,
                    "next_attempt_at": now,
                    "claim": None,
                    "claimed_until": None,
                    "created_at": now,
                }
                for new in deliveries
            ],
        )
        self._db.write_many(_MARK_DISPATCHED, [{"the_event": e} for e in event_ids])

    def claim(
        self, now: datetime, until: datetime, limit: int, claim: str
    ) -> list[ClaimedDelivery]:
        rows = self._db.rows(_DUE, {"now": now, "limit": limit})
        if not rows:
            return []
        self._db.write_many(
            _CLAIM,
            [{"the_delivery": row[0], "the_claim": claim, "until": until} for row in rows],
        )
        return [_claimed(row, claim) for row in rows]

    def finish(self, delivery: Delivery, claim: str) -> bool:
        params = {
            "the_delivery": delivery.id,
            "the_claim": claim,
            "status": delivery.status.value,
            "attempts": delivery.attempts,
            "last_status_code": delivery.last_status_code,
            "last_error": delivery.last_error,
            "next_attempt_at": delivery.next_attempt_at,
        }
        return self._db.write(_RELEASE, params) == 1

    def release(self, delivery_id: int, claim: str) -> None:
        self._db.write(_RELEASE, {"the_delivery": delivery_id, "the_claim": claim})

    def get(self, delivery_id: int) -> Delivery | None:
        row = self._db.first(_ONE_DELIVERY, {"the_delivery": delivery_id})
        return None if row is None else _delivery(row)

    def of_endpoint(self, endpoint_id: UUID, page: PageRequest) -> Page[Delivery]:
        params = {"endpoint": endpoint_id, "limit": page.page_size, "offset": page.offset}
        items = [_delivery(row) for row in self._db.rows(_OF_ENDPOINT, params)]
        total = self._db.scalar(_COUNT_OF_ENDPOINT, {"endpoint": endpoint_id})
        return Page.of(items, page, total)

    def retry_now(self, delivery_id: int, now: datetime) -> bool:
        return self._db.write(_RETRY, {"the_delivery": delivery_id, "now": now}) == 1

    def pending(self) -> int:
        return int(self._db.scalar(_PENDING) or 0)

    def prune_delivered(self, created_before: datetime) -> int:
        self._db.write(_PRUNE_DELIVERIES, {"before": created_before})
        return self._db.write(_PRUNE_EVENTS, {"before": created_before})


def _event(row: Row) -> Event:
    event_id, type_, created, data, notify = row
    users = tuple(UUID(user) for user in json.loads(notify))
    return Event(event_id, EventType(type_), created, json.loads(data), users)


def _delivery(row: Row) -> Delivery:
    """A delivery from a row of `_DELIVERY_COLUMNS`, which follow the order of its fields."""
    delivery_id, event_id, event_type, channel, status, *rest = row
    return Delivery(
        delivery_id, event_id, event_type, Channel(channel), DeliveryStatus(status), *rest
    )


_N_DELIVERY, _N_EVENT = len(_DELIVERY_COLUMNS), len(_EVENT_COLUMNS)


def _claimed(row: Row, claim: str) -> ClaimedDelivery:
    delivery = _delivery(row[:_N_DELIVERY])
    event = _event(row[_N_DELIVERY : _N_DELIVERY + _N_EVENT])
    endpoint_row = row[_N_DELIVERY + _N_EVENT :]
    endpoint = None if endpoint_row[0] is None else endpoint_from_row(endpoint_row)
    return ClaimedDelivery(delivery, event, endpoint, claim)


def endpoint_from_row(row: Row) -> WebhookEndpoint:
    endpoint_id, url, types, secret, created, updated, description, active = row
    kinds = tuple(EventType(t) for t in json.loads(types))
    return WebhookEndpoint(endpoint_id, url, kinds, secret, created, updated, description, active)


def event_types_text(endpoint: WebhookEndpoint) -> str:
    return json.dumps([t.value for t in endpoint.events])
