"""The transactional outbox (§14): ports for events written in the unit of work of the change
they describe, their deliveries, the admins' webhook endpoints, and the waiting lists.

Nothing here sends anything: a use case adds events to `uow.outbox` before it commits, so an
event exists exactly when its change does; the worker (`DeliverEvents`) turns each into
deliveries and sends them afterwards.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from bookstore.domain.book import Book
from bookstore.domain.events import Channel, Delivery, EventType, WebhookEndpoint
from bookstore.domain.order import Order
from bookstore.domain.pagination import Page, PageRequest
from bookstore.domain.payment import Payment

JsonObject = dict[str, Any]
Subject = Order | Payment | Book


class Snapshots(Protocol):
    """How the API shows an event's subject. An event's `data` is its subject as the API's
    GET showed it right after the change, so the composition root hands storage the very
    functions that build those responses."""

    def order(self, order: Order) -> JsonObject: ...

    def payment(self, payment: Payment) -> JsonObject: ...

    def book(self, book: Book) -> JsonObject: ...


class IdsOnly:
    """The snapshots of storage built without a composition root (tests of storage alone):
    only the subject's id."""

    def order(self, order: Order) -> JsonObject:
        return {"id": str(order.id)}

    def payment(self, payment: Payment) -> JsonObject:
        return {"id": str(payment.id)}

    def book(self, book: Book) -> JsonObject:
        return {"id": book.id}


def snapshot(snapshots: Snapshots, subject: Subject) -> JsonObject:
    if isinstance(subject, Order):
        return snapshots.order(subject)
    if isinstance(subject, Payment):
        return snapshots.payment(subject)
    return snapshots.book(subject)


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event a use case records: storage gives it its id and its data (the subject's
    snapshot, see `Snapshots`)."""

    type: EventType
    subject: Subject
    created: datetime
    notify: tuple[UUID, ...] = ()
    """The customers to e-mail about it, in this order (the order's customer; a book's
    waiting list)."""


@dataclass(frozen=True, slots=True)
class Event:
    """An event as recorded: `id` is stable, so receivers can tell a redelivery."""

    id: UUID
    type: EventType
    created: datetime
    data: JsonObject
    notify: tuple[UUID, ...] = ()

    def body(self) -> JsonObject:
        """What a webhook receives: `{id, type, created (Unix seconds), data}`."""
        created = int(self.created.timestamp())
        return {"id": str(self.id), "type": self.type.value, "created": created, "data": self.data}


class Outbox(Protocol):
    def add(self, events: Sequence[NewEvent]) -> None:
        """Record events in this unit of work (one multi-row insert): they exist if and only
        if it commits."""
        ...


@dataclass(frozen=True, slots=True)
class NewDelivery:
    event_id: UUID
    event_type: EventType
    channel: Channel
    endpoint_id: UUID | None = None
    recipient: str | None = None


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """A delivery a worker holds (until the claim runs out), with what it needs to send it."""

    delivery: Delivery
    event: Event
    endpoint: WebhookEndpoint | None
    claim: str
    """This claim's token: only its holder may record the outcome."""


class Deliveries(Protocol):
    """The worker's side of the outbox: fanning events out into deliveries, claiming due
    deliveries, and recording how each attempt went."""

    def undispatched(self, limit: int) -> list[Event]:
        """Events not yet turned into deliveries, oldest first, held by this unit of work:
        other units of work skip them until it ends (so two workers never fan out one)."""
        ...

    def dispatch(
        self, event_ids: Collection[UUID], deliveries: Sequence[NewDelivery], now: datetime
    ) -> None:
        """Record the events' deliveries, due now, and mark the events dispatched."""
        ...

    def claim(
        self, now: datetime, until: datetime, limit: int, claim: str
    ) -> list[ClaimedDelivery]:
        """Take up to `limit` due deliveries (pending or failed, `next_attempt_at` come) that
        no one holds, or whose holder's claim ran out, oldest due first; held under the token
        `claim` until `until`. Two units of work never take the same delivery. Deliveries to
        an inactive endpoint wait until it is active again."""
        ...

    def finish(self, delivery: Delivery, claim: str) -> bool:
        """Write an attempt's outcome and let the delivery go, if this claim still holds it
        (False, nothing written, when it ran out and another worker took it)."""
        ...

    def release(self, delivery_id: int, claim: str) -> None:
        """Give a claimed delivery back untried (a worker stopping)."""
        ...

    def get(self, delivery_id: int) -> Delivery | None: ...

    def of_endpoint(self, endpoint_id: UUID, page: PageRequest) -> Page[Delivery]:
        """Newest first."""
        ...

    def retry_now(self, delivery_id: int, now: datetime) -> bool:
        """Make a delivery that has not succeeded due at once (`pending`); False if it
        succeeded meanwhile."""
        ...

    def pending(self) -> int:
        """Events still to be delivered: not fanned out yet, or with a delivery pending or
        failed (to be tried again). Dead deliveries are not waiting for anything."""
        ...

    def prune_delivered(self, created_before: datetime) -> int:
        """Delete events made before this moment whose deliveries are all over (succeeded or
        dead), with their deliveries; how many events."""
        ...


class WebhookEndpoints(Protocol):
    def add(self, endpoint: WebhookEndpoint) -> None: ...

    def get(self, endpoint_id: UUID) -> WebhookEndpoint | None: ...

    def page(self, page: PageRequest) -> Page[WebhookEndpoint]:
        """Oldest first."""
        ...

    def active(self) -> list[WebhookEndpoint]: ...

    def update(self, endpoint: WebhookEndpoint) -> None: ...

    def remove(self, endpoint_id: UUID) -> bool:
        """Delete an endpoint and its deliveries; False if there was none."""
        ...


class Waitlist(Protocol):
    """Customers waiting for a sold-out book, in the order they joined."""

    def join(self, user_id: UUID, book_id: int, at: datetime) -> bool:
        """False when the customer was already waiting (nothing changes)."""
        ...

    def leave(self, user_id: UUID, book_id: int) -> bool: ...

    def books_of(self, user_id: UUID, page: PageRequest) -> Page[Book]:
        """The catalogue books the customer waits for, in the order they joined."""
        ...

    def take(self, book_id: int) -> list[UUID]:
        """Everyone waiting for the book, in the order they joined, taken off the list."""
        ...
