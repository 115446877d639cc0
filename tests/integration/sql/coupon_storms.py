"""Customers racing for a coupon's last uses, and one customer racing themselves for their
own, in threads or in OS processes; and what the database must show afterwards.

Kept apart from the test modules so that spawned worker processes import only this (and the
bookstore), not pytest's fixtures.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import sql_storms
from sql_storms import NAIVE_THINK_SECONDS, PLACED, run_together
from sqlalchemy import func, select, update

from bookstore.adapters.clock import SystemClock
from bookstore.adapters.ids import RandomIds
from bookstore.adapters.sql import SqlUnitOfWork, SqlUnitOfWorkFactory
from bookstore.adapters.sql.coupon_tables import coupons, order_coupons
from bookstore.adapters.sql.coupons import SqlCouponRepository
from bookstore.adapters.sql.statements import Db
from bookstore.adapters.sql.tables import orders
from bookstore.application.config import StoreConfig
from bookstore.application.ports import UnitOfWorkFactory
from bookstore.application.use_cases import AddToCart, AddToCartCommand, PlaceOrder
from bookstore.application.use_cases.apply_coupon import ApplyCoupon, ApplyCouponCommand
from bookstore.application.use_cases.place_order import PlaceOrderCommand
from bookstore.domain.cart import Cart
from bookstore.domain.coupon import Coupon, CouponKind
from bookstore.domain.errors import CouponNotApplicable, EmptyCart
from bookstore.domain.user import Actor, Role, User
from bookstore.domain.values import Email

EMPTY = "empty cart"

Task = tuple[str, str, int, str]
"""(kind, customer id as text, book id, coupon code), so that a task crosses to a spawned
process: ("place", customer, 0, code) places the cart as it is; ("shop", customer, book, code)
adds the book, applies the coupon, then places the cart."""


def add_coupon(factory: UnitOfWorkFactory, code: str, **rules: Any) -> None:
    rules = {"kind": CouponKind.PERCENT, "value": 10, "exclusive": False} | rules
    with factory() as uow:
        uow.coupons.add(Coupon(code, created_at=datetime.now(UTC), **rules))
        uow.commit()


def add_customers(
    factory: UnitOfWorkFactory, carts: Sequence[dict[int, int]], code: str
) -> list[UUID]:
    """A customer for each cart, with the coupon in it."""
    customers = []
    with factory() as uow:
        for cart in carts:
            user_id = uuid4()
            email = Email(f"racer-{user_id.hex}@example.com")
            uow.users.add(User(user_id, email, "", Role.CUSTOMER, True, "x", datetime.now(UTC)))
            uow.carts.save(Cart(user_id, dict(cart), coupons=[code]))
            customers.append(user_id)
        uow.commit()
    return customers


def _outcome(step: Callable[[], object]) -> str | None:
    """None when the step succeeded; otherwise what refused it."""
    try:
        step()
    except CouponNotApplicable as error:
        return f"coupon {error.reason}"
    except EmptyCart:
        return EMPTY
    except Exception as error:  # every other failure is what the storm looks for
        return f"{type(error).__name__}: {error}".splitlines()[0]
    return None


SHOPPING_ROUNDS = 6
"""How many times a "shop" task fills the cart again when another request emptied it first."""


def run_task(factory: UnitOfWorkFactory, task: Task) -> str:
    kind, user, book_id, code = task
    actor = Actor(UUID(user), Role.CUSTOMER)
    clock, config = SystemClock(), StoreConfig()
    place = PlaceOrder(factory, clock, RandomIds())
    if kind == "place":
        return _outcome(lambda: place(PlaceOrderCommand(actor))) or PLACED
    add, apply = AddToCart(factory, config, clock), ApplyCoupon(factory, config, clock)
    outcome = "did not shop"
    for _ in range(SHOPPING_ROUNDS):
        outcome = (
            _outcome(lambda: add(AddToCartCommand(actor, book_id, 1)))
            or _outcome(lambda: apply(ApplyCouponCommand(actor, code)))
            or _outcome(lambda: place(PlaceOrderCommand(actor)))
            or PLACED
        )
        if outcome in (PLACED, "coupon already_used"):
            return outcome
    return outcome


def thread_run(factory: UnitOfWorkFactory, tasks: Sequence[Task]) -> list[str]:
    """Every task in its own thread, released at the same instant."""
    return run_together([lambda task=task: run_task(factory, task) for task in tasks])


def process_run(url: str, tasks: Sequence[Task], processes: int) -> list[str]:
    """The tasks dealt out over `processes` spawned OS processes, started together."""
    return sql_storms.process_run(url, tasks, processes, thread_run)


def uses(factory: SqlUnitOfWorkFactory, code: str) -> tuple[int, dict[UUID, int]]:
    """The coupon's `times_used`, and how many orders not cancelled carry it, per customer."""
    with factory.engine.connect() as conn:
        times_used = conn.execute(
            select(coupons.c.times_used).where(coupons.c.code == code)
        ).scalar_one()
        carried = conn.execute(
            select(orders.c.user_id, func.count())
            .select_from(order_coupons.join(orders, order_coupons.c.order_id == orders.c.id))
            .where(order_coupons.c.code == code, orders.c.status != "cancelled")
            .group_by(orders.c.user_id)
        ).all()
    return int(times_used), {user: int(count) for user, count in carried}


# --- The naive variant, used only to show the storm tests have teeth. -----------------------


class NaiveCouponRepository(SqlCouponRepository):
    """Reads the coupons without locking them, then writes back a use count computed from
    that (stale) read."""

    def __init__(self, db: Db) -> None:
        super().__init__(db, lock_rows=False)
        self._read: dict[str, int] = {}

    def lock(self, codes: Collection[str]) -> dict[str, Coupon]:
        found = self.get_many(codes)
        self._read.update({code: coupon.times_used for code, coupon in found.items()})
        time.sleep(NAIVE_THINK_SECONDS)  # so that concurrent buyers overlap, as under load
        return found

    def take_use(self, code: str) -> bool:
        stale = update(coupons).where(coupons.c.code == code)
        self._db.write(stale.values(times_used=self._read[code] + 1))
        return True


def naive_coupons(uow: SqlUnitOfWork) -> None:
    uow.coupons = NaiveCouponRepository(uow.db)
