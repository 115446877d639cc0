"""Coupons, the cart as a quote, and the coupons orders carry, on every storage (§13)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sql_support import (
    T0,
    Backend,
    RandomIds,
    StepClock,
    a_user,
    add_books,
    add_users,
    details,
    recorded_statements,
)

from bookstore.adapters.sql import SqlUnitOfWorkFactory
from bookstore.application.ports import UnitOfWorkFactory
from bookstore.application.use_cases import CancelOrder, CancelOrderCommand, PlaceOrder
from bookstore.application.use_cases.place_order import PlaceOrderCommand
from bookstore.domain.cart import Cart, CartLimits
from bookstore.domain.coupon import Coupon, CouponKind
from bookstore.domain.errors import DuplicateCoupon
from bookstore.domain.money import Money
from bookstore.domain.order import Order, OrderCoupon
from bookstore.domain.pagination import PageRequest
from bookstore.domain.user import Actor, Role


def a_coupon(code: str, **rules: Any) -> Coupon:
    rules = {"kind": CouponKind.PERCENT, "value": 10, "created_at": T0} | rules
    return Coupon(code, **rules)


def add_coupons(factory: UnitOfWorkFactory, *coupons: Coupon) -> None:
    with factory() as uow:
        for coupon in coupons:
            uow.coupons.add(coupon)
        uow.commit()


def place(factory: UnitOfWorkFactory, cart: Cart) -> Order:
    with factory() as uow:
        uow.carts.save(cart)
        uow.commit()
    actor = Actor(cart.user_id, Role.CUSTOMER)
    return PlaceOrder(factory, StepClock(), RandomIds())(PlaceOrderCommand(actor))


def test_a_cart_keeps_its_quotes_coupons_and_notices(uow_factory: UnitOfWorkFactory) -> None:
    user = a_user()
    add_users(uow_factory, user)
    a, b, gone = add_books(uow_factory, details("A"), details("B"), details("C"))
    add_coupons(uow_factory, a_coupon("ONE"), a_coupon("TWO"))
    cart = Cart(user.id, {a.id: 1, b.id: 2}, {a.id: Money(999)}, ["TWO", "ONE"], [gone.id])
    with uow_factory() as uow:
        uow.carts.save(cart)
        uow.commit()
    with uow_factory() as uow:
        read = uow.carts.get(user.id)
        assert read == cart
        read.set_quantity(b.id, 3, limits=CartLimits(), price=Money(1250))
        read.remove_coupon("TWO")
        uow.carts.save(read)
        uow.commit()
    with uow_factory() as uow:
        read = uow.carts.get(user.id)
        assert read == Cart(
            user.id, {a.id: 1, b.id: 3}, {a.id: Money(999), b.id: Money(1250)}, ["ONE"]
        )
        read.clear()
        uow.carts.save(read)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.carts.get(user.id) == Cart(user.id)


def test_a_book_leaving_the_catalogue_leaves_a_notice_in_the_carts_that_held_it(
    uow_factory: UnitOfWorkFactory,
) -> None:
    ada, bob = a_user("ada@example.com"), a_user("bob@example.com")
    add_users(uow_factory, ada, bob)
    kept, gone = add_books(uow_factory, details("Kept"), details("Gone"))
    with uow_factory() as uow:
        uow.carts.save(Cart(ada.id, {kept.id: 1, gone.id: 1}))
        uow.carts.save(Cart(bob.id, {kept.id: 1}))
        uow.commit()
    with uow_factory() as uow:
        uow.books.remove(gone.id, T0)
        uow.carts.remove_book_everywhere(gone.id)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert (uow.carts.get(ada.id).lines, uow.carts.get(ada.id).unavailable) == (
            {kept.id: 1},
            [gone.id],
        )
        assert uow.carts.get(bob.id).unavailable == []


def test_coupons_are_stored_listed_and_changed_without_their_uses(
    uow_factory: UnitOfWorkFactory,
) -> None:
    first = a_coupon("FIRST", genres=("Poetry", "Science fiction"), min_subtotal=Money(2500))
    later = a_coupon(
        "LATER",
        kind=CouponKind.FIXED,
        value=500,
        created_at=T0 + timedelta(hours=1),
        starts_at=T0,
        ends_at=T0 + timedelta(days=7),
        max_uses=10,
        max_uses_per_customer=None,
        exclusive=False,
        active=False,
    )
    add_coupons(uow_factory, first, later)
    with pytest.raises(DuplicateCoupon), uow_factory() as uow:
        uow.coupons.add(a_coupon("FIRST"))
    with uow_factory() as uow:
        assert uow.coupons.take_use("FIRST")
        assert uow.coupons.update(a_coupon("FIRST", value=20))
        assert not uow.coupons.update(a_coupon("NOPE"))
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.coupons.get("LATER") == later
        assert uow.coupons.get_many(["FIRST", "NOPE"]) == {
            "FIRST": a_coupon("FIRST", value=20, times_used=1)
        }
        newest = uow.coupons.list(None, PageRequest(1, 1))
        active = uow.coupons.list(True, PageRequest(1, 10))
    assert ([c.code for c in newest.items], newest.total) == (["LATER"], 2)
    assert [c.code for c in active.items] == ["FIRST"]


def test_a_use_is_taken_only_while_one_is_left_and_comes_back(
    uow_factory: UnitOfWorkFactory,
) -> None:
    add_coupons(uow_factory, a_coupon("TWICE", max_uses=2), a_coupon("OFF", active=False))
    with uow_factory() as uow:
        taken = [uow.coupons.take_use("TWICE") for _ in range(3)]
        assert not uow.coupons.take_use("OFF")
        uow.coupons.give_back(["TWICE"])
        assert uow.coupons.take_use("TWICE")
        uow.commit()
    assert taken == [True, True, False]
    with uow_factory(read_only=True) as uow:
        assert uow.coupons.get("TWICE") == a_coupon("TWICE", max_uses=2, times_used=2)


def test_an_order_keeps_its_coupons_and_a_cancellation_gives_the_uses_back(
    uow_factory: UnitOfWorkFactory,
) -> None:
    user = a_user()
    add_users(uow_factory, user)
    (book,) = add_books(uow_factory, details(price="20.00", stock=5))
    add_coupons(
        uow_factory,
        a_coupon("HALF", value=50, exclusive=False),
        a_coupon("FIVE", kind=CouponKind.FIXED, value=500, exclusive=False),
    )
    order = place(uow_factory, Cart(user.id, {book.id: 1}, coupons=["HALF", "FIVE"]))
    assert order.coupons == (OrderCoupon("HALF", Money(1000)), OrderCoupon("FIVE", Money(500)))
    with uow_factory(read_only=True) as uow:
        assert uow.orders.get(order.id) == order
        assert uow.coupons.uses_by(user.id, ["HALF", "FIVE", "NONE"]) == {
            "HALF": 1, "FIVE": 1, "NONE": 0,
        }  # fmt: skip
        assert uow.carts.get(user.id) == Cart(user.id)
    actor = Actor(user.id, Role.CUSTOMER)
    CancelOrder(uow_factory, StepClock(T0 + timedelta(hours=1)))(
        CancelOrderCommand(actor, order.id)
    )
    with uow_factory(read_only=True) as uow:
        cancelled = uow.orders.get(order.id)
        assert cancelled is not None
        assert cancelled.coupons == order.coupons
        assert uow.coupons.uses_by(user.id, ["HALF"]) == {"HALF": 0}
        assert [uow.coupons.get(c).times_used for c in ("HALF", "FIVE")] == [0, 0]  # type: ignore[union-attr]


def test_an_order_without_coupons_pays_no_statement_for_them(sql_backend: Backend) -> None:
    """The cart's one read tells there are none: placing reads and writes no coupon, and the
    order's row is written without a discount."""
    factory = sql_backend.factory
    user = a_user()
    add_users(factory, user)
    (book,) = add_books(factory, details(stock=5))
    with factory() as uow:
        uow.carts.save(Cart(user.id, {book.id: 1}, {book.id: Money(999)}))
        uow.commit()
    actor = Actor(user.id, Role.CUSTOMER)
    with recorded_statements(sql_backend.engine) as seen:
        fresh = SqlUnitOfWorkFactory(sql_backend.engine)  # its connections are watched
        PlaceOrder(fresh, StepClock(), RandomIds())(PlaceOrderCommand(actor))
    assert any("INSERT INTO orders" in sql for sql, _ in seen)
    about_coupons = [sql for sql, _ in seen if "coupon" in sql or "discount" in sql]
    assert len(about_coupons) == 1, about_coupons
    assert "cart_lines" in about_coupons[0], "only the cart's own read, in one statement"
