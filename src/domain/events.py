"""Events (§14): what happened in the store, told to customers (e-mail) and to other systems
(webhooks), each delivery retried until it succeeds or is given up.

A delivery is one event for one destination: a webhook endpoint, or a customer's address.
Its retries back off exponentially, with jitter, at most an hour apart, and it is `dead`
after the last attempt allowed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit
from uuid import UUID

from bookstore.domain.errors import Conflict, NotFound
from bookstore.domain.values import FieldErrors, TextRule


class EventType(StrEnum):
    ORDER_PLACED = "order.placed"
    ORDER_PAID = "order.paid"
    ORDER_SHIPPED = "order.shipped"
    ORDER_DELIVERED = "order.delivered"
    ORDER_CANCELLED = "order.cancelled"
    PAYMENT_FAILED = "payment.failed"
    BOOK_LOW_STOCK = "book.low_stock"
    BOOK_BACK_IN_STOCK = "book.back_in_stock"


MAILED = frozenset(
    {
        EventType.ORDER_PLACED,
        EventType.ORDER_PAID,
        EventType.ORDER_SHIPPED,
        EventType.ORDER_CANCELLED,
        EventType.BOOK_BACK_IN_STOCK,
    }
)
"""The events whose subject's customers (the order's, or the book's waiting list) get a mail."""


class Channel(StrEnum):
    WEBHOOK = "webhook"
    EMAIL = "email"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    """Not tried yet (or asked to be tried again at once)."""
    FAILED = "failed"
    """Tried and failed; tried again at `next_attempt_at`."""
    SUCCEEDED = "succeeded"
    DEAD = "dead"
    """Failed its last attempt allowed: not tried again unless someone asks."""


DUE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED)
"""The statuses a worker picks deliveries in, once their `next_attempt_at` has come."""

MAX_BACKOFF = timedelta(hours=1)
DEFAULT_MAX_ATTEMPTS = 8
ERROR_LEN = 500


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: about 2^attempts seconds,
    give or take a quarter (so endpoints that failed together are not retried together),
    never more than an hour."""
    base = min(2.0**attempts, MAX_BACKOFF.total_seconds())
    jitter = (rng or random).uniform(-0.25, 0.25)  # spreads retries; not a secret
    return min(timedelta(seconds=base * (1 + jitter)), MAX_BACKOFF)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event for one destination, and how its attempts went."""

    id: int
    event_id: UUID
    event_type: str
    channel: Channel
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    endpoint_id: UUID | None = None
    recipient: str | None = None
    """The customer's address, for an e-mail."""
    last_status_code: int | None = None
    last_error: str | None = None

    def succeeded(self, status_code: int | None) -> Delivery:
        return replace(
            self,
            status=DeliveryStatus.SUCCEEDED,
            attempts=self.attempts + 1,
            last_status_code=status_code,
            last_error=None,
        )

    def failed(
        self,
        error: str,
        now: datetime,
        max_attempts: int,
        status_code: int | None = None,
        rng: random.Random | None = None,
    ) -> Delivery:
        """Another failed attempt: tried again after `backoff`, or `dead` after the last."""
        attempts = self.attempts + 1
        dead = attempts >= max_attempts
        return replace(
            self,
            status=DeliveryStatus.DEAD if dead else DeliveryStatus.FAILED,
            attempts=attempts,
            last_status_code=status_code,
            last_error=error[:ERROR_LEN],
            next_attempt_at=now if dead else now + backoff(attempts, rng),
        )


URL = TextRule("url", 1, 2000)
DESCRIPTION = TextRule("description", 0, 500)


@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    """Where an admin asked events to be posted. It receives the events of the types it
    names that happen after it was created, signed with its secret."""

    id: UUID
    url: str
    events: tuple[EventType, ...]
    secret: str
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    active: bool = True

    def wants(self, event_type: str, created: datetime) -> bool:
        return self.active and event_type in self.events and created >= self.created_at


def check_endpoint(
    url: str, events: list[str], description: str | None
) -> tuple[str, tuple[EventType, ...], str | None]:
    """An endpoint's fields, checked: an http(s) URL with a host, one or more known event
    types (kept once each, in the order given), a description of at most 500 characters."""
    errors = FieldErrors()
    clean_url = errors.text(URL, url)
    try:
        parts = urlsplit(clean_url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        usable = False
    if not usable:
        errors.add("url", "must be an http:// or https:// URL with a host")
    known = {t.value for t in EventType}
    wrong = [e for e in events if e not in known]
    if not events:
        errors.add("events", "must name at least one event type")
    elif wrong:
        errors.add("events", "unknown event types: " + ", ".join(sorted(map(str, wrong))))
    clean_description = None if description is None else errors.text(DESCRIPTION, description)
    errors.raise_if_any()
    return clean_url, tuple(EventType(e) for e in dict.fromkeys(events)), clean_description


class WebhookNotFound(NotFound):
    def __init__(self, endpoint_id: object) -> None:
        super().__init__(f"Webhook endpoint {endpoint_id} not found.")


class DeliveryNotFound(NotFound):
    def __init__(self, delivery_id: int) -> None:
        super().__init__(f"Delivery {delivery_id} not found.")


class AlreadyDelivered(Conflict):
    """A delivery that succeeded is not sent again."""

    code = "already-delivered"

    def __init__(self, delivery_id: int) -> None:
        super().__init__(f"Delivery {delivery_id} already succeeded.")


class BookInStock(Conflict):
    """The waiting list is for books with no copies left."""

    code = "in-stock"

    def __init__(self, book_id: int) -> None:
        super().__init__(f"Book {book_id} is in stock: order it instead of waiting.")
