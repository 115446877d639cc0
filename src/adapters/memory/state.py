"""The committed state of an in-memory store: plain dicts of records never shared out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from bookstore.application.ports import IdempotencyRecord, RefreshTokenRecord
from bookstore.domain.book import Book
from bookstore.domain.inventory import StockMovement
from bookstore.domain.order import Order
from bookstore.domain.payment import Payment
from bookstore.domain.review import Review
from bookstore.domain.user import User


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
    reviews: dict[UUID, Review] = field(default_factory=dict)

    def record(self, movements: Iterable[StockMovement]) -> list[StockMovement]:
        """Append movements to the ledger, numbered in order."""
        recorded = [m.recorded(len(self.movements) + n) for n, m in enumerate(movements, 1)]
        self.movements.extend(recorded)
        return recorded

    def fork(self) -> MemoryState:
        """A copy a transaction may change freely: tables are copied, records are replaced
        rather than mutated, so sharing them is safe."""
        return replace(
            self,
            books=dict(self.books),
            removed_books=dict(self.removed_books),
            users=dict(self.users),
            carts={user: dict(lines) for user, lines in self.carts.items()},
            orders=dict(self.orders),
            refresh_tokens=dict(self.refresh_tokens),
            revoked_access_tokens=dict(self.revoked_access_tokens),
            idempotency_keys=dict(self.idempotency_keys),
            movements=list(self.movements),
            payments=dict(self.payments),
            payment_events=dict(self.payment_events),
            reviews=dict(self.reviews),
        )
