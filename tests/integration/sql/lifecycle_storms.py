"""Transitions of the same orders at the same moment (cancels, ships, new orders for the same
copies), in threads or in OS processes, and the audit every storm must pass.

Kept apart from the test modules so that spawned worker processes import only this (and the
bookstore), not pytest's fixtures.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from uuid import UUID

import sql_storms
from sql_storms import PLACED, make_buyers, place_order, run_together
from sqlalchemy import Engine, update

from bookstore.adapters.clock import SystemClock
from bookstore.adapters.sql import SqlUnitOfWork
from bookstore.adapters.sql.orders import SqlOrderRepository
from bookstore.adapters.sql.tables import orders
from bookstore.application.ports import UnitOfWorkFactory
from bookstore.application.queries import OrderQuery
from bookstore.application.use_cases import (
    CancelOrder,
    CancelOrderCommand,
    ChangeOrderStatus,
    ChangeOrderStatusCommand,
)
from bookstore.domain.errors import InvalidTransition
from bookstore.domain.inventory import MovementReason
from bookstore.domain.order import OrderStatus, OrderTransition
from bookstore.domain.order_status import is_lawful_path
from bookstore.domain.pagination import PageRequest
from bookstore.domain.user import Actor, Role

CANCELLED = "cancelled"
SHIPPED = "shipped"
ADMIN = Actor(UUID(int=1), Role.ADMIN)  # the use cases check the role only

Task = tuple[str, str, str]
"""(kind, order id, user id) as text, so that a task crosses to a spawned process:
("cancel", order, owner), ("ship", order, ""), ("buy", "", buyer)."""


def refused(error: InvalidTransition) -> str:
    return f"refused {error.from_status}->{error.to_status}"


def cancel(factory: UnitOfWorkFactory, order_id: UUID, user_id: UUID) -> str:
    command = CancelOrderCommand(Actor(user_id, Role.CUSTOMER), order_id, "changed my mind")
    try:
        CancelOrder(factory, SystemClock())(command)
    except InvalidTransition as error:
        return refused(error)
    except Exception as error:  # every other failure is what the storm looks for
        return f"{type(error).__name__}: {error}".splitlines()[0]
    return CANCELLED


def ship(factory: UnitOfWorkFactory, order_id: UUID) -> str:
    command = ChangeOrderStatusCommand(ADMIN, order_id, OrderStatus.SHIPPED, carrier="DHL")
    try:
        ChangeOrderStatus(factory, SystemClock())(command)
    except InvalidTransition as error:
        return refused(error)
    except Exception as error:
        return f"{type(error).__name__}: {error}".splitlines()[0]
    return SHIPPED


def pay(factory: UnitOfWorkFactory, order_id: UUID) -> None:
    command = ChangeOrderStatusCommand(ADMIN, order_id, OrderStatus.PAID)
    ChangeOrderStatus(factory, SystemClock())(command)


def place_orders(
    factory: UnitOfWorkFactory, count: int, cart: dict[int, int], *, paid: bool = False
) -> list[tuple[UUID, UUID]]:
    """`count` customers who each ordered `cart` (one after the other): (order, customer)."""
    placed = []
    for buyer in make_buyers(factory, count, cart):
        assert place_order(factory, buyer) == PLACED
        with factory(read_only=True) as uow:
            (order,) = uow.orders.list(OrderQuery(user_id=buyer)).items
        if paid:
            pay(factory, order.id)
        placed.append((order.id, buyer))
    return placed


def task_of(factory: UnitOfWorkFactory, task: Task) -> Callable[[], str]:
    kind, order_id, user_id = task
    if kind == "cancel":
        return lambda: cancel(factory, UUID(order_id), UUID(user_id))
    if kind == "ship":
        return lambda: ship(factory, UUID(order_id))
    if kind == "buy":
        return lambda: place_order(factory, UUID(user_id))
    raise ValueError(kind)


def thread_run(factory: UnitOfWorkFactory, tasks: Sequence[Task]) -> list[str]:
    """Every task in its own thread, released at the same instant."""
    return run_together([task_of(factory, task) for task in tasks])


def process_run(url: str, tasks: Sequence[Task], processes: int) -> list[str]:
    """The tasks dealt out over `processes` spawned OS processes, started together."""
    return sql_storms.process_run(url, tasks, processes, thread_run)


def audit(factory: UnitOfWorkFactory, initial: dict[int, int]) -> dict[UUID, list[OrderStatus]]:
    """What every storm must leave: each order's history a lawful path ending in its status,
    each book's stock = initial - copies sold + copies returned by cancellations = the sum
    of its movements, copies sold - returned = -(order + cancellation movements), and the
    ledger reconciled. Returns every order's path."""
    paths: dict[UUID, list[OrderStatus]] = {}
    sold, returned = Counter[int](), Counter[int]()
    with factory(read_only=True) as uow:
        for order in uow.orders.list(OrderQuery(page=PageRequest(1, 100))).items:
            path = [entry.status for entry in order.status_history]
            assert is_lawful_path(path), path
            assert path[-1] is order.status
            paths[order.id] = path
            for line in order.lines:
                sold[line.book_id] += line.quantity
                if order.status is OrderStatus.CANCELLED:
                    returned[line.book_id] += line.quantity
        assert uow.inventory.reconcile().balanced
        for book_id, start in initial.items():
            book = uow.books.get(book_id)
            assert book is not None
            assert book.stock >= 0
            assert book.stock == start - sold[book_id] + returned[book_id], (book_id, book.stock)
            page = uow.inventory.movements(book_id, PageRequest(1, 100))
            assert page is not None
            by_orders = sum(
                m.delta
                for m in page.items
                if m.reason in (MovementReason.ORDER, MovementReason.CANCELLATION)
            )
            assert sold[book_id] - returned[book_id] == -by_orders
    return paths


def assert_only(outcomes: Sequence[str], allowed: set[str]) -> None:
    unexpected = Counter(o for o in outcomes if o not in allowed)
    assert not unexpected, f"unexpected outcomes: {dict(unexpected)}"


# --- The naive variant, used only to show the storms have teeth. -----------------------------


NAIVE_THINK_SECONDS = 0.01


class NaiveOrderRepository(SqlOrderRepository):
    """Writes a transition whatever the status is now (an unconditional update)."""

    def transition(self, transition: OrderTransition) -> bool:
        time.sleep(NAIVE_THINK_SECONDS)  # between the read and the write, as under load
        stmt = update(orders).where(orders.c.id == transition.order.id)
        self._db.write(stmt.values(status=transition.status.value))
        # The rest of the write, now that the status "matches".
        return super().transition(replace(transition, previous=transition.status))


def naive_orders(uow: SqlUnitOfWork) -> None:
    uow.orders = NaiveOrderRepository(uow.db)


class NaiveUnitOfWorkFactory(sql_storms.NaiveUnitOfWorkFactory):
    """Units of work whose order transitions are unconditional."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, naive=naive_orders)
