"""`BusinessMetrics` as Prometheus counters (prometheus_client).

The counters are the process's own, registered once in prometheus_client's default
registry; under `bookstore serve --workers N` prometheus_client's multiprocess mode
(`PROMETHEUS_MULTIPROC_DIR`, which the command sets) adds up every process's values when
they are scraped.
"""

from __future__ import annotations

from functools import cache

from prometheus_client import Counter

from bookstore.domain.order import Order
from bookstore.domain.payment import PaymentStatus

PREFIX = "bookstore"


@cache
def _counters() -> tuple[Counter, Counter, Counter]:
    """Created on first use, once per process (a second registration would be refused)."""
    return (
        Counter(f"{PREFIX}_orders_placed", "Orders placed"),
        Counter(f"{PREFIX}_payments", "Payments settled, by outcome", ["outcome"]),
        Counter(f"{PREFIX}_coupon_redemptions", "Coupon uses taken by orders placed"),
    )


class PrometheusMetrics:
    def __init__(self) -> None:
        self._orders, self._payments, self._coupons = _counters()

    def order_placed(self, order: Order) -> None:
        self._orders.inc()
        if order.coupons:
            self._coupons.inc(len(order.coupons))

    def payment_settled(self, outcome: PaymentStatus) -> None:
        self._payments.labels(outcome.value).inc()
