"""The outbox, its deliveries, webhook endpoints and waiting lists in SQL.

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
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bookstore.adapters.sql.book_rows import BOOK_COLUMNS, IN_CATALOGUE, book_from_row
from bookstore.adapters.sql.event_tables import (
    event_deliveries,
    events,
    waitlist_entries,
    webhook_endpoints,
)
from bookstore.adapters.sql.statements import Db, Row
from bookstore.adapters.sql.tables import books
from bookstore.application.outbox import (
    ClaimedDelivery,
    Event,
    NewDelivery,
    NewEvent,
    Snapshots,
    snapshot,
)
from bookstore.domain.book import Book
from bookstore.domain.events import (
    DUE,
    Channel,
    Delivery,
    DeliveryStatus,
    EventType,
    WebhookEndpoint,
)
from bookstore.domain.pagination import Page, PageRequest

_e, _d, _w, _l = events.c, event_deliveries.c, webhook_endpoints.c, waitlist_entries.c
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
_ENDPOINT_COLUMNS = (
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
    select(*_DELIVERY_COLUMNS, *_EVENT_COLUMNS, *_ENDPOINT_COLUMNS)
    .select_from(
        event_deliveries.join(events, _e.id == _d.event_id).outerjoin(
            webhook_endpoints, _w.id == _d.endpoint_id
        )
    )
    .where(
        or_(*(_d.status == status.value for status in DUE)),
        _d.next_attempt_at <= bindparam("now"),
        _FREE,
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
_FINISH = (
    update(event_deliveries)
    .where(_d.id == bindparam("the_delivery"), _d.claim == bindparam("the_claim"))
    .values(
        status=bindparam("new_status"),
        attempts=bindparam("new_attempts"),
        last_status_code=bindparam("new_status_code"),
        last_error=bindparam("new_error"),
        next_attempt_at=bindparam("new_next_attempt_at"),
        claim=None,
        claimed_until=None,
    )
)
_RELEASE = (
    update(event_deliveries)
    .where(_d.id == bindparam("the_delivery"), _d.claim == bindparam("the_claim"))
    .values(claim=None, claimed_until=None)
)
_ONE_DELIVERY = select(*_DELIVERY_COLUMNS).where(_d.id == bindparam("the_delivery"))
_OF_ENDPOINT = (
    select(*_DELIVERY_COLUMNS)
    .where(_d.endpoint_id == bindparam("endpoint"))
    .order_by(_d.id.desc())
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
_COUNT_OF_ENDPOINT = (
    select(func.count())
    .select_from(event_deliveries)
    .where(_d.endpoint_id == bindparam("endpoint"))
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

_ADD_ENDPOINT = insert(webhook_endpoints)
_ONE_ENDPOINT = select(*_ENDPOINT_COLUMNS).where(_w.id == bindparam("endpoint"))
_ENDPOINTS = (
    select(*_ENDPOINT_COLUMNS)
    .order_by(_w.created_at, _w.id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
_COUNT_ENDPOINTS = select(func.count()).select_from(webhook_endpoints)
_ACTIVE_ENDPOINTS = select(*_ENDPOINT_COLUMNS).where(_w.active.is_(True))
_UPDATE_ENDPOINT = (
    update(webhook_endpoints)
    .where(_w.id == bindparam("endpoint"))
    .values(
        url=bindparam("new_url"),
        events=bindparam("new_events"),
        description=bindparam("new_description"),
        active=bindparam("new_active"),
        updated_at=bindparam("new_updated_at"),
    )
)
_REMOVE_ENDPOINT_DELIVERIES = delete(event_deliveries).where(
    _d.endpoint_id == bindparam("endpoint")
)
_REMOVE_ENDPOINT = delete(webhook_endpoints).where(_w.id == bindparam("endpoint"))

_JOIN = {
    "sqlite": sqlite_insert(waitlist_entries).on_conflict_do_nothing(),
    "postgresql": pg_insert(waitlist_entries).on_conflict_do_nothing(),
}
_LEAVE = delete(waitlist_entries).where(
    _l.user_id == bindparam("user"), _l.book_id == bindparam("book")
)
_WAITED_FOR = (
    select(*BOOK_COLUMNS)
    .select_from(waitlist_entries.join(books, books.c.id == _l.book_id))
    .where(_l.user_id == bindparam("user"), IN_CATALOGUE)
    .order_by(_l.joined_at, _l.book_id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
_COUNT_WAITED_FOR = (
    select(func.count())
    .select_from(waitlist_entries.join(books, books.c.id == _l.book_id))
    .where(_l.user_id == bindparam("user"), IN_CATALOGUE)
)
_WAITING = (
    select(_l.user_id).where(_l.book_id == bindparam("book")).order_by(_l.joined_at, _l.user_id)
)
_TAKE_WAITING = delete(waitlist_entries).where(_l.book_id == bindparam("book"))


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
            "new_status": delivery.status.value,
            "new_attempts": delivery.attempts,
            "new_status_code": delivery.last_status_code,
            "new_error": delivery.last_error,
            "new_next_attempt_at": delivery.next_attempt_at,
        }
        return self._db.write(_FINISH, params) == 1

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

    def prune_delivered(self, created_before: datetime) -> int:
        self._db.write(_PRUNE_DELIVERIES, {"before": created_before})
        return self._db.write(_PRUNE_EVENTS, {"before": created_before})


class SqlWebhookEndpoints:
    def __init__(self, db: Db) -> None:
        self._db = db

    def add(self, endpoint: WebhookEndpoint) -> None:
        self._db.write(
            _ADD_ENDPOINT,
            {
                "id": endpoint.id,
                "url": endpoint.url,
                "events": _types_text(endpoint),
                "secret": endpoint.secret,
                "description": endpoint.description,
                "active": endpoint.active,
                "created_at": endpoint.created_at,
                "updated_at": endpoint.updated_at,
            },
        )

    def get(self, endpoint_id: UUID) -> WebhookEndpoint | None:
        row = self._db.first(_ONE_ENDPOINT, {"endpoint": endpoint_id})
        return None if row is None else _endpoint(row)

    def page(self, page: PageRequest) -> Page[WebhookEndpoint]:
        rows = self._db.rows(_ENDPOINTS, {"limit": page.page_size, "offset": page.offset})
        return Page.of([_endpoint(r) for r in rows], page, self._db.scalar(_COUNT_ENDPOINTS))

    def active(self) -> list[WebhookEndpoint]:
        return [_endpoint(row) for row in self._db.rows(_ACTIVE_ENDPOINTS)]

    def update(self, endpoint: WebhookEndpoint) -> None:
        self._db.write(
            _UPDATE_ENDPOINT,
            {
                "endpoint": endpoint.id,
                "new_url": endpoint.url,
                "new_events": _types_text(endpoint),
                "new_description": endpoint.description,
                "new_active": endpoint.active,
                "new_updated_at": endpoint.updated_at,
            },
        )

    def remove(self, endpoint_id: UUID) -> bool:
        self._db.write(_REMOVE_ENDPOINT_DELIVERIES, {"endpoint": endpoint_id})
        return self._db.write(_REMOVE_ENDPOINT, {"endpoint": endpoint_id}) == 1


class SqlWaitlist:
    def __init__(self, db: Db) -> None:
        self._db = db

    def join(self, user_id: UUID, book_id: int, at: datetime) -> bool:
        row = {"book_id": book_id, "user_id": user_id, "joined_at": at}
        return self._db.write(_JOIN[self._db.dialect], row) == 1

    def leave(self, user_id: UUID, book_id: int) -> bool:
        return self._db.write(_LEAVE, {"user": user_id, "book": book_id}) == 1

    def books_of(self, user_id: UUID, page: PageRequest) -> Page[Book]:
        params = {"user": user_id, "limit": page.page_size, "offset": page.offset}
        items = [book_from_row(row) for row in self._db.rows(_WAITED_FOR, params)]
        return Page.of(items, page, self._db.scalar(_COUNT_WAITED_FOR, {"user": user_id}))

    def take(self, book_id: int) -> list[UUID]:
        waiting = [row[0] for row in self._db.rows(_WAITING, {"book": book_id})]
        if waiting:
            self._db.write(_TAKE_WAITING, {"book": book_id})
        return waiting


def _event(row: Row) -> Event:
    event_id, type_, created, data, notify = row
    users = tuple(UUID(user) for user in json.loads(notify))
    return Event(event_id, EventType(type_), created, json.loads(data), users)


def _delivery(row: Row) -> Delivery:
    return Delivery(
        row[0],
        row[1],
        row[2],
        Channel(row[3]),
        DeliveryStatus(row[4]),
        row[5],
        row[6],
        row[7],
        endpoint_id=row[8],
        recipient=row[9],
        last_status_code=row[10],
        last_error=row[11],
    )


_N_DELIVERY, _N_EVENT = len(_DELIVERY_COLUMNS), len(_EVENT_COLUMNS)


def _claimed(row: Row, claim: str) -> ClaimedDelivery:
    delivery = _delivery(row[:_N_DELIVERY])
    event = _event(row[_N_DELIVERY : _N_DELIVERY + _N_EVENT])
    endpoint_row = row[_N_DELIVERY + _N_EVENT :]
    endpoint = None if endpoint_row[0] is None else _endpoint(endpoint_row)
    return ClaimedDelivery(delivery, event, endpoint, claim)


def _endpoint(row: Row) -> WebhookEndpoint:
    endpoint_id, url, types, secret, created, updated, description, active = row
    kinds = tuple(EventType(t) for t in json.loads(types))
    return WebhookEndpoint(endpoint_id, url, kinds, secret, created, updated, description, active)


def _types_text(endpoint: WebhookEndpoint) -> str:
    return json.dumps([t.value for t in endpoint.events])
