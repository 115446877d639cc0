"""Coupon uses at checkout and at cancellation, inside the order's own unit of work (§13).

At placement, the cart's coupons are locked (so that nobody else redeems or gives back a use
of them until the order commits), priced again on the order's lines, and each takes one use
with a conditional write: a coupon with `max_uses` N is carried by exactly N orders, and a
customer's uses, counted under the lock, cannot pass their limit. A cancellation gives the
order's uses back in its own transaction; the transition happens once, so do the give-backs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from bookstore.application.cart_quote import cart_coupons, coupon_state, priced_line
from bookstore.application.ports import UnitOfWork
from bookstore.domain.book import Book
from bookstore.domain.cart import Cart
from bookstore.domain.coupon import NotApplicable
from bookstore.domain.errors import CouponStoppedApplying, QuoteChanged
from bookstore.domain.money import Money
from bookstore.domain.order import Order, OrderCoupon


def redeem_cart_coupons(
    uow: UnitOfWork, cart: Cart, order: Order, books: Mapping[int, Book], now: datetime
) -> Order:
    """The order with the cart's coupons and their discounts, each coupon's use taken.
    Refuses (`CouponStoppedApplying`, nothing kept) the first coupon that no longer applies."""
    if not cart.coupons:
        return order
    state = coupon_state(uow, cart, lock=True)
    lines = [priced_line(line.book_id, line.line_total, books) for line in order.lines]
    outcomes = cart_coupons(cart, lines, state, now)
    for outcome in outcomes:
        if outcome.reason is not None:
            raise CouponStoppedApplying(outcome.code, outcome.reason.value)
    for code in sorted(cart.coupons):
        if not uow.coupons.take_use(code):  # only if storage let it change under the lock
            raise CouponStoppedApplying(code, NotApplicable.USED_UP.value)
    return replace(order, coupons=tuple(OrderCoupon(o.code, o.discount) for o in outcomes))


def check_expected_total(order: Order, expected_total: Money | None) -> None:
    """The customer's quote must still hold, when they gave one."""
    if expected_total is not None and order.total != expected_total:
        raise QuoteChanged(str(expected_total), str(order.total))


def give_back_uses(uow: UnitOfWork, order: Order) -> None:
    """A cancelled order's coupon uses, back to their coupons."""
    if order.coupons:
        uow.coupons.give_back(sorted(coupon.code for coupon in order.coupons))
