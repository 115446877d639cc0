"""The outbox, its deliveries, webhook endpoints and waiting lists in memory, with the SQL
adapters' semantics (a write unit of work holds the store's lock, so claims never collide)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from bookstore.adapters.memory.state import MemoryRepository, MemoryState, delete_where
from bookstore.application.outbox import (
    ClaimedDelivery,
    Event,
    NewDelivery,
    NewEvent,
    Snapshots,
    snapshot,
)
from bookstore.domain.book import Book
from bookstore.domain.events import DUE, Delivery, DeliveryStatus, WebhookEndpoint
from bookstore.domain.pagination import Page, PageRequest

_OVER = (DeliveryStatus.SUCCEEDED, DeliveryStatus.DEAD)


class MemoryOutbox:
    def __init__(self, state: MemoryState, snapshots: Snapshots) -> None:
        self._state = state
        self._snapshots = snapshots

    def add(self, events: Sequence[NewEvent]) -> None:
        for new in events:
            data = snapshot(self._snapshots, new.subject)
            event = Event(uuid.uuid4(), new.type, new.created, data, new.notify)
            self._state.events[event.id] = event
            self._state.undispatched[event.id] = None


class MemoryDeliveries(MemoryRepository):
    def undispatched(self, limit: int) -> list[Event]:
        ids = list(self._state.undispatched)[:limit]
        return [self._state.events[i] for i in ids]

    def dispatch(
        self, event_ids: Collection[UUID], deliveries: Sequence[NewDelivery], now: datetime
    ) -> None:
        state = self._state
        for event_id in event_ids:
            state.undispatched.pop(event_id, None)
        for new in deliveries:
            delivery_id = max(state.deliveries, default=0) + 1
            state.deliveries[delivery_id] = Delivery(
                delivery_id,
                new.event_id,
                new.event_type.value,
                new.channel,
                DeliveryStatus.PENDING,
                0,
                now,
                now,
                endpoint_id=new.endpoint_id,
                recipient=new.recipient,
            )

    def claim(
        self, now: datetime, until: datetime, limit: int, claim: str
    ) -> list[ClaimedDelivery]:
        state = self._state
        due = [
            d
            for d in state.deliveries.values()
            if d.status in DUE
            and d.next_attempt_at <= now
            and (d.id not in state.claims or state.claims[d.id][1] <= now)
            and (d.endpoint_id is None or state.webhooks[d.endpoint_id].active)
        ]
        due.sort(key=lambda d: (d.next_attempt_at, d.id))
        claimed = []
        for delivery in due[:limit]:
            state.claims[delivery.id] = (claim, until)
            endpoint = state.webhooks.get(delivery.endpoint_id) if delivery.endpoint_id else None
            event = state.events[delivery.event_id]
            claimed.append(ClaimedDelivery(delivery, event, endpoint, claim))
        return claimed

    def finish(self, delivery: Delivery, claim: str) -> bool:
        if delivery.id not in self._state.claims or self._state.claims[delivery.id][0] != claim:
            return False
        del self._state.claims[delivery.id]
        self._state.deliveries[delivery.id] = delivery
        return True

    def release(self, delivery_id: int, claim: str) -> None:
        held = self._state.claims.get(delivery_id)
        if held is not None and held[0] == claim:
            del self._state.claims[delivery_id]

    def get(self, delivery_id: int) -> Delivery | None:
        return self._state.deliveries.get(delivery_id)

    def of_endpoint(self, endpoint_id: UUID, page: PageRequest) -> Page[Delivery]:
        found = [d for d in self._state.deliveries.values() if d.endpoint_id == endpoint_id]
        found.sort(key=lambda d: d.id, reverse=True)
        return Page.window(found, page)

    def retry_now(self, delivery_id: int, now: datetime) -> bool:
        delivery = self._state.deliveries.get(delivery_id)
        if delivery is None or delivery.status is DeliveryStatus.SUCCEEDED:
            return False
        retried = replace(delivery, status=DeliveryStatus.PENDING, next_attempt_at=now)
        self._state.deliveries[delivery_id] = retried
        return True

    def pending(self) -> int:
        return len(self._open_events())

    def prune_delivered(self, created_before: datetime) -> int:
        open_events = self._open_events()
        old = delete_where(
            self._state.events, lambda e: e.created < created_before and e.id not in open_events
        )
        gone = set(old)
        delete_where(self._state.deliveries, lambda d: d.event_id in gone)
        return len(old)

    def _open_events(self) -> set[UUID]:
        """The events not dispatched yet, or with a delivery still to succeed or die."""
        state = self._state
        waiting = {d.event_id for d in state.deliveries.values() if d.status not in _OVER}
        return waiting | state.undispatched.keys()


class MemoryWebhookEndpoints(MemoryRepository):
    def add(self, endpoint: WebhookEndpoint) -> None:
        self._state.webhooks[endpoint.id] = endpoint

    def get(self, endpoint_id: UUID) -> WebhookEndpoint | None:
        return self._state.webhooks.get(endpoint_id)

    def page(self, page: PageRequest) -> Page[WebhookEndpoint]:
        found = sorted(self._state.webhooks.values(), key=lambda e: e.created_at)
        return Page.window(found, page)

    def active(self) -> list[WebhookEndpoint]:
        return [e for e in self._state.webhooks.values() if e.active]

    def update(self, endpoint: WebhookEndpoint) -> None:
        self._state.webhooks[endpoint.id] = endpoint

    def remove(self, endpoint_id: UUID) -> bool:
        state = self._state
        if state.webhooks.pop(endpoint_id, None) is None:
            return False
        for delivery_id in delete_where(state.deliveries, lambda d: d.endpoint_id == endpoint_id):
            state.claims.pop(delivery_id, None)
        return True


class MemoryWaitlist(MemoryRepository):
    def join(self, user_id: UUID, book_id: int, at: datetime) -> bool:
        if (book_id, user_id) in self._state.waitlist:
            return False
        self._state.waitlist[(book_id, user_id)] = at
        return True

    def leave(self, user_id: UUID, book_id: int) -> bool:
        return self._state.waitlist.pop((book_id, user_id), None) is not None

    def books_of(self, user_id: UUID, page: PageRequest) -> Page[Book]:
        books = self._state.books
        found = [books[b] for (b, u) in self._state.waitlist if u == user_id and b in books]
        return Page.window(found, page)

    def take(self, book_id: int) -> list[UUID]:
        waiting = [u for (b, u) in self._state.waitlist if b == book_id]
        for user_id in waiting:
            del self._state.waitlist[(book_id, user_id)]
        return waiting
