"""A small in-memory bookstore for the unit tests, built by the real composition root.

The container is the one library users get from `create_container`; only the clock (set by
hand) and the password hasher (fast, since bcrypt is not the subject) are swapped.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from dependency_injector import providers

from bookstore.adapters.clock import ManualClock
from bookstore.adapters.hashing import FastHasher
from bookstore.adapters.memory import MemoryUnitOfWorkFactory
from bookstore.application.notifications import Mail
from bookstore.application.outbox import Event
from bookstore.application.ports import PasswordHasher
from bookstore.application.sessions import TokenPair
from bookstore.application.use_cases import (
    AddBookCommand,
    AddToCartCommand,
    CreateAdminCommand,
    LogInCommand,
    PlaceOrderCommand,
    RegisterUserCommand,
)
from bookstore.application.use_cases.create_coupon import CreateCouponCommand
from bookstore.domain.book import Book, BookDetails
from bookstore.domain.coupon import Coupon, CouponKind
from bookstore.domain.events import WebhookEndpoint
from bookstore.domain.inventory import Reconciliation, StockMovement
from bookstore.domain.order import Order
from bookstore.domain.user import Actor, User
from bookstore.entrypoints.container import Container, create_container
from bookstore.entrypoints.settings import Settings

SECRET = "unit-tests-only-secret-of-at-least-32-bytes"
PASSWORD = "correct horse battery staple"


class FakeMailer:
    """Keeps what it is given; fails the next `failures` sends."""

    def __init__(self) -> None:
        self.sent: list[Mail] = []
        self.failures = 0

    def send(self, mail: Mail) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionRefusedError("the mail server is down")
        self.sent.append(mail)


class FakeWebhookSender:
    """Answers each POST with the next of `answers` (200 when none are left)."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []
        self.answers: list[int] = []

    def post(self, endpoint: WebhookEndpoint, body: bytes, timestamp: int) -> int:
        self.posts.append((endpoint.url, json.loads(body)))
        return self.answers.pop(0) if self.answers else 200


def actor_of(user: User) -> Actor:
    return Actor(user.id, user.role)


@dataclass
class Shop:
    """The application (`app`, the container) plus helpers that set the scene."""

    app: Container
    clock: ManualClock
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _root: Actor | None = None

    @classmethod
    def open(cls, hasher: PasswordHasher | None = None, **settings: Any) -> Shop:
        clock = ManualClock()
        app = create_container(Settings(database_url="memory://", jwt_secret=SECRET, **settings))
        app.clock.override(providers.Object(clock))
        app.hasher.override(providers.Object(hasher or FastHasher()))
        app.mailer.override(providers.Object(FakeMailer()))
        app.webhook_sender.override(providers.Object(FakeWebhookSender()))
        return cls(app, clock)

    @property
    def mailer(self) -> FakeMailer:
        mailer = self.app.mailer()
        assert isinstance(mailer, FakeMailer)
        return mailer

    @property
    def webhooks(self) -> FakeWebhookSender:
        sender = self.app.webhook_sender()
        assert isinstance(sender, FakeWebhookSender)
        return sender

    def events(self, *types: str) -> list[Event]:
        """The events committed so far, oldest first (of these types, if given)."""
        return [e for e in self.storage.state.events.values() if not types or e.type in types]

    @property
    def storage(self) -> MemoryUnitOfWorkFactory:
        storage = self.app.uow()
        assert isinstance(storage, MemoryUnitOfWorkFactory)
        return storage

    # People

    def register(self, email: str | None = None, password: str = PASSWORD) -> User:
        email = email or f"customer{next(self._numbers)}@example.com"
        return self.app.register_user()(RegisterUserCommand(email, password))

    def customer(self, email: str | None = None) -> Actor:
        return actor_of(self.register(email))

    def admin(self, email: str | None = None, password: str = PASSWORD) -> Actor:
        email = email or f"admin{next(self._numbers)}@example.com"
        return actor_of(self.app.create_admin()(CreateAdminCommand(email, password)))

    @property
    def root(self) -> Actor:
        """The admin who stocks the shelves in tests that are not about admins."""
        if self._root is None:
            self._root = self.admin("root@example.com")
        return self._root

    def log_in(self, email: str, password: str = PASSWORD) -> TokenPair:
        return self.app.log_in()(LogInCommand(email, password))

    # Catalogue, carts and orders

    def book(
        self,
        title: str | None = None,
        *,
        price: str | int | Decimal = "10.00",
        stock: int = 10,
        author: str = "Some Author",
        genre: str = "Fiction",
        **fields: Any,
    ) -> Book:
        details = BookDetails.parse(
            title=title or f"Book {next(self._numbers)}",
            author=author,
            genre=genre,
            price=price,
            stock=stock,
            **fields,
        )
        return self.app.add_book()(AddBookCommand(self.root, details))

    def stock_of(self, book_id: int) -> int:
        return self.app.get_book()(book_id).stock

    def fill_cart(self, actor: Actor, *lines: tuple[Book, int]) -> None:
        for book, quantity in lines:
            self.app.add_to_cart()(AddToCartCommand(actor, book.id, quantity))

    def cart_lines(self, actor: Actor) -> dict[int, int]:
        return {line.book_id: line.quantity for line in self.app.view_cart()(actor).lines}

    def order(self, actor: Actor, *lines: tuple[Book, int]) -> Order:
        self.fill_cart(actor, *lines)
        return self.app.place_order()(PlaceOrderCommand(actor))

    def coupon(self, code: str | None = None, **fields: Any) -> Coupon:
        """A coupon (by default 10 % off everything, once per customer)."""
        fields = {"kind": CouponKind.PERCENT, "value": 10} | fields
        code = code or f"SAVE-{next(self._numbers)}"
        return self.app.create_coupon()(CreateCouponCommand(self.root, code, **fields))

    def order_count(self) -> int:
        return len(self.storage.state.orders)

    # The ledger

    def movements_of(self, book_id: int) -> list[StockMovement]:
        """Every movement of the book, oldest first, as committed."""
        return [m for m in self.storage.state.movements if m.book_id == book_id]

    def ledger_sum(self, book_id: int) -> int:
        return sum(m.delta for m in self.movements_of(book_id))

    def reconcile(self) -> Reconciliation:
        return self.app.reconcile_inventory()(self.root)

    def user_ids(self) -> set[UUID]:
        return set(self.storage.state.users)
