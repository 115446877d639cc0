"""The order's life on every storage: its history kept, transitions written only from the
status they left, a cancellation's copies back in the same unit of work."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from sql_support import T0, Backend, RandomIds, StepClock, a_user, add_books, add_users, details
from sqlalchemy import Insert

from bookstore.adapters.sql.driver_pg import PsycopgDb
from bookstore.adapters.sql.statements import DriverDb
from bookstore.application.ports import UnitOfWorkFactory
from bookstore.application.queries import OrderQuery
from bookstore.application.use_cases import (
    CancelOrder,
    CancelOrderCommand,
    ChangeOrderStatus,
    ChangeOrderStatusCommand,
    PlaceOrder,
    PlaceOrderCommand,
)
from bookstore.domain.book import Book
from bookstore.domain.cart import Cart
from bookstore.domain.errors import InvalidTransition
from bookstore.domain.inventory import MovementReason
from bookstore.domain.order import Order, OrderStatus
from bookstore.domain.order_status import ActorKind, ChangedBy, Shipment, StatusChange
from bookstore.domain.pagination import PageRequest
from bookstore.domain.user import Actor, Role

ADMIN = Actor(UUID(int=1), Role.ADMIN)


def place(factory: UnitOfWorkFactory, lines: dict[int, int], actor: Actor | None = None) -> Order:
    """A customer's order of these lines, through the real use case."""
    if actor is None:
        user = a_user(f"{RandomIds().new_token_id()}@example.com")
        add_users(factory, user)
        actor = Actor(user.id, Role.CUSTOMER)
    with factory() as uow:
        uow.carts.save(Cart(actor.user_id, dict(lines)))
        uow.commit()
    return PlaceOrder(factory, StepClock(), RandomIds())(PlaceOrderCommand(actor))


def stocks(factory: UnitOfWorkFactory, *books: Book) -> list[int]:
    with factory(read_only=True) as uow:
        found = uow.books.get_many([b.id for b in books])
    return [found[b.id].stock for b in books]


def test_an_order_keeps_its_history_from_placed_on(uow_factory: UnitOfWorkFactory) -> None:
    (book,) = add_books(uow_factory, details(stock=5))
    order = place(uow_factory, {book.id: 2})
    assert order.status_history == (
        StatusChange(OrderStatus.PLACED, order.created_at, ActorKind.CUSTOMER, None, order.user_id),
    )
    with uow_factory(read_only=True) as uow:
        assert uow.orders.get(order.id) == order
        assert uow.orders.list(OrderQuery()).items == [order]


def test_an_order_goes_all_the_way_and_reads_back_the_same(
    uow_factory: UnitOfWorkFactory,
) -> None:
    (book,) = add_books(uow_factory, details(stock=5))
    order = place(uow_factory, {book.id: 1})
    change = ChangeOrderStatus(uow_factory, StepClock(T0 + timedelta(days=1)))
    for status, fields in [
        ("paid", {"note": "bank transfer"}),
        ("shipped", {"carrier": "DHL", "tracking_number": "JD014600"}),
        ("delivered", {}),
    ]:
        moved = change(ChangeOrderStatusCommand(ADMIN, order.id, OrderStatus(status), **fields))
    assert moved.shipment == Shipment("DHL", "JD014600")
    assert [(e.status.value, e.actor, e.note) for e in moved.status_history] == [
        ("placed", ActorKind.CUSTOMER, None),
        ("paid", ActorKind.ADMIN, "bank transfer"),
        ("shipped", ActorKind.ADMIN, None),
        ("delivered", ActorKind.ADMIN, None),
    ]
    with uow_factory(read_only=True) as uow:
        assert uow.orders.get(order.id) == moved
        assert uow.orders.list(OrderQuery(status=OrderStatus.DELIVERED)).items == [moved]
        assert uow.orders.list(OrderQuery(status=OrderStatus.PLACED)).total == 0


def test_a_transition_from_a_status_the_order_left_writes_nothing(
    uow_factory: UnitOfWorkFactory,
) -> None:
    (book,) = add_books(uow_factory, details(stock=5))
    order = place(uow_factory, {book.id: 1})
    paid = order.mark_paid(by=ChangedBy(ActorKind.ADMIN), at=T0)
    stale = order.cancel(by=ChangedBy(ActorKind.ADMIN), at=T0, reason="too late")
    with uow_factory() as uow:
        assert uow.orders.transition(paid)
        assert not uow.orders.transition(stale)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.orders.get(order.id) == paid.order


def test_cancelling_gives_the_copies_back_once_in_the_same_transaction(
    uow_factory: UnitOfWorkFactory,
) -> None:
    a, b = add_books(uow_factory, details("A", stock=5), details("B", stock=3))
    order = place(uow_factory, {a.id: 2, b.id: 3})
    customer = Actor(order.user_id, Role.CUSTOMER)
    cancel = CancelOrder(uow_factory, StepClock(T0 + timedelta(hours=1)))
    cancelled = cancel(CancelOrderCommand(customer, order.id, " changed my mind "))
    assert cancelled.cancellation_reason == "changed my mind"
    assert stocks(uow_factory, a, b) == [5, 3]
    with pytest.raises(InvalidTransition):
        cancel(CancelOrderCommand(customer, order.id))
    assert stocks(uow_factory, a, b) == [5, 3]
    with uow_factory(read_only=True) as uow:
        assert uow.orders.get(order.id) == cancelled
        assert uow.inventory.reconcile().balanced
        page = uow.inventory.movements(a.id, PageRequest())
    assert page is not None
    assert [(m.reason, m.delta, m.order_id) for m in page.items] == [
        (MovementReason.CANCELLATION, 2, order.id),
        (MovementReason.ORDER, -2, order.id),
        (MovementReason.INITIAL, 5, None),
    ]


def test_an_order_moved_before_this_storage_kept_history_reads_with_it(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """Orders written by code that knew no history (or shipment) still read and move."""
    user = a_user()
    add_users(uow_factory, user)
    (book,) = add_books(uow_factory, details(stock=5))
    bare = place(uow_factory, {book.id: 1}, Actor(user.id, Role.CUSTOMER))
    bare = replace(bare, id=RandomIds().new_id(), status_history=())
    with uow_factory() as uow:
        uow.orders.add(bare)
        uow.commit()
    with uow_factory() as uow:
        assert uow.orders.get(bare.id) == bare
        assert uow.orders.transition(bare.mark_paid(by=ChangedBy.payment(), at=T0))
        uow.commit()
    with uow_factory(read_only=True) as uow:
        stored = uow.orders.get(bare.id)
    assert stored is not None
    assert [e.status for e in stored.status_history] == [OrderStatus.PAID]


def test_an_order_writes_its_movements_and_its_history_in_one_insert_each(
    sql_backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hot path pays one statement for the ledger and one for the history, whatever the
    number of lines: one multi-row call to the driver each (`executemany` on SQLite, a
    pipelined batch on PostgreSQL), not a call per line."""
    factory = sql_backend.factory
    books = add_books(factory, *(details(f"B{n}", stock=5) for n in range(4)))
    inserts: list[str] = []
    db_class = DriverDb if sql_backend.name == "sqlite" else PsycopgDb

    def recorded(method: Any) -> Any:
        def run(self: Any, stmt: Any, *args: Any) -> Any:
            if isinstance(stmt, Insert):
                inserts.append(stmt.table.name)
            return method(self, stmt, *args)

        return run

    for name in ("rows", "write", "write_many", "send"):
        monkeypatch.setattr(db_class, name, recorded(getattr(db_class, name)))
    place(factory, {book.id: 1 for book in books})
    assert inserts.count("stock_movements") == 1
    assert inserts.count("order_status_history") == 1
