"""The business figures are counted by the use cases, once per thing done, after it
committed: a replay, a refusal or a payment still processing counts nothing."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from dependency_injector import providers

from bookstore.application.use_cases import CancelOrderCommand, PlaceOrderCommand
from bookstore.application.use_cases.apply_coupon import ApplyCouponCommand
from bookstore.application.use_cases.pay_order import PayOrderCommand
from bookstore.application.use_cases.place_order_once import PlaceOrderOnceCommand
from bookstore.domain.book import Book
from bookstore.domain.errors import EmptyCart
from bookstore.domain.order import Order
from bookstore.domain.payment import PaymentDeclined, PaymentStatus
from bookstore.domain.user import Actor

from .support import Shop


class CountingMetrics:
    def __init__(self) -> None:
        self.counted: Counter[str] = Counter()

    def order_placed(self, order: Order) -> None:
        self.counted["order"] += 1
        if order.coupons:
            self.counted["coupon"] += len(order.coupons)

    def payment_settled(self, outcome: PaymentStatus) -> None:
        self.counted[outcome.value] += 1


@pytest.fixture
def metrics(shop: Shop) -> CountingMetrics:
    counting = CountingMetrics()
    shop.app.metrics.override(providers.Object(counting))
    return counting


def test_an_order_counts_once_and_a_refused_or_replayed_one_not_at_all(
    shop: Shop, metrics: CountingMetrics, ada: Actor, dune: Book
) -> None:
    shop.fill_cart(ada, (dune, 1))
    shop.app.place_order()(PlaceOrderCommand(ada))
    with pytest.raises(EmptyCart):
        shop.app.place_order()(PlaceOrderCommand(ada))
    shop.fill_cart(ada, (dune, 1))
    keyed = PlaceOrderOnceCommand(ada, "key-1", "body")
    first = shop.app.place_order_once()(keyed)
    again = shop.app.place_order_once()(keyed)

    assert (first.replayed, again.replayed) == (False, True)
    assert metrics.counted == {"order": 2}


def test_each_coupon_an_order_takes_counts_as_one_redemption(
    shop: Shop, metrics: CountingMetrics, ada: Actor, dune: Book
) -> None:
    codes = [shop.coupon(exclusive=False).code for _ in range(2)]
    shop.fill_cart(ada, (dune, 1))
    for code in codes:
        shop.app.apply_coupon()(ApplyCouponCommand(ada, code))
    shop.app.place_order()(PlaceOrderCommand(ada))

    assert metrics.counted == {"order": 1, "coupon": 2}


def test_payments_count_by_outcome_when_they_settle(
    shop: Shop, metrics: CountingMetrics, ada: Actor, dune: Book
) -> None:
    orders = [shop.order(ada, (dune, 1)) for _ in range(3)]
    counted_orders = metrics.counted["order"]

    def pay(order_index: int, method: str) -> None:
        command = PayOrderCommand(ada, orders[order_index].id, method, None, "")
        shop.app.pay_order()(command)

    with pytest.raises(PaymentDeclined):
        pay(0, "pm_card_declined")
    pay(0, "pm_card_visa")
    pay(1, "pm_card_async")
    processing = dict(metrics.counted)
    shop.clock.advance(timedelta(minutes=1))
    shop.app.apply_due_outcomes()()
    shop.app.cancel_order()(CancelOrderCommand(ada, orders[0].id))  # paid: refunded

    assert counted_orders == 3
    assert processing == {"order": 3, "failed": 1, "succeeded": 1}
    assert metrics.counted == {"order": 3, "failed": 1, "succeeded": 2, "refunded": 1}
