"""The committed state of an in-memory store: plain dicts of records never shared out."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from copy import copy
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from bookstore.application.outbox import Event
from bookstore.application.ports import IdempotencyRecord, RefreshTokenRecord
from bookstore.domain.book import Book
from bookstore.domain.coupon import Coupon
from bookstore.domain.events import Delivery, WebhookEndpoint
from bookstore.domain.inventory import StockMovement
from bookstore.domain.money import Money
from bookstore.domain.order import Order
from bookstore.domain.payment import Payment
from bookstore.domain.review import Review
from bookstore.domain.user import User

K = TypeVar("K")
V = TypeVar("V")


@dataclass(slots=True)
class MemoryState:
    books: dict[int, Book] = field(default_factory=dict)
    removed_books: dict[int, Book] = field(default_factory=dict)
    last_book_id: int = 0
    users: dict[UUID, User] = field(default_factory=dict)
    carts: dict[UUID, dict[int, int]] = field(default_factory=dict)
    orders: dict[UUID, Order] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshTokenRecord] = field(default_factory=dict)
    revoked_access_tokens: dict[str, datetime] = field(default_factory=dict)
    idempotency_keys: dict[tuple[UUID, str], IdempotencyRecord] = field(default_factory=dict)
    movements: list[StockMovement] = field(default_factory=list)
    """The stock ledger, oldest first; `id` is the position plus one."""
    payments: dict[UUID, Payment] = field(default_factory=dict)
    payment_events: dict[str, datetime] = field(default_factory=dict)
    # §13: what a cart holds besides its lines, and the coupons.
    cart_quotes: dict[UUID, dict[int, Money]] = field(default_factory=dict)
    cart_coupons: dict[UUID, list[str]] = field(default_factory=dict)
    cart_unavailable: dict[UUID, list[int]] = field(default_factory=dict)
    coupons: dict[str, Coupon] = field(default_factory=dict)
    # The outbox of §14.
    events: dict[UUID, Event] = field(default_factory=dict)
    """In the order they were recorded."""
    undispatched: dict[UUID, None] = field(default_factory=dict)
    deliveries: dict[int, Delivery] = field(default_factory=dict)
    claims: dict[int, tuple[str, datetime]] = field(default_factory=dict)
    """Deliveries held by a worker: the claim's token, and until when."""
    webhooks: dict[UUID, WebhookEndpoint] = field(default_factory=dict)
    waitlist: dict[tuple[int, UUID], datetime] = field(default_factory=dict)
    """(book, customer) → when they joined, in the order they joined."""
    reviews: dict[UUID, Review] = field(default_factory=dict)

    def record(self, movements: Iterable[StockMovement]) -> list[StockMovement]:
        """Append movements to the ledger, numbered in order."""
        recorded = [m.recorded(len(self.movements) + n) for n, m in enumerate(movements, 1)]
        self.movements.extend(recorded)
        return recorded

    def fork(self) -> MemoryState:
        """A copy a transaction may change freely: every table is copied (each cart's too),
        records are replaced rather than mutated, so sharing them is safe."""
        tables = {f.name: copy(getattr(self, f.name)) for f in fields(self)}
        for name in _PER_USER:
            tables[name] = {user: copy(rows) for user, rows in tables[name].items()}
        return MemoryState(**tables)


class MemoryRepository:
    """Works over a transaction's private copy of the state (the memory repositories)."""

    def __init__(self, state: MemoryState) -> None:
        self._state = state


_PER_USER = ("carts", "cart_quotes", "cart_coupons", "cart_unavailable")
"""The tables whose rows are tables of their own (a cart's lines, quotes, coupons...)."""


def delete_where(table: dict[K, V], doomed: Callable[[V], bool]) -> list[K]:
    """Delete the rows of a table that `doomed` picks; their keys."""
    keys = [key for key, row in table.items() if doomed(row)]
    for key in keys:
        del table[key]
    return keys
