"""The committed state of an in-memory store: plain dicts of records never shared out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
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
            cart_quotes={user: dict(quotes) for user, quotes in self.cart_quotes.items()},
            cart_coupons={user: list(codes) for user, codes in self.cart_coupons.items()},
            cart_unavailable={user: list(ids) for user, ids in self.cart_unavailable.items()},
            coupons=dict(self.coupons),
            events=dict(self.events),
            undispatched=dict(self.undispatched),
            deliveries=dict(self.deliveries),
            claims=dict(self.claims),
            webhooks=dict(self.webhooks),
            waitlist=dict(self.waitlist),
            reviews=dict(self.reviews),
        )
