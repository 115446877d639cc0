"""What the business did, counted for the operators (orders placed, payments by outcome,
coupons redeemed): a port the use cases call once their transaction has committed, so a
rolled-back attempt or a replayed request never counts, whichever entrypoint ran it (HTTP,
the worker, a library caller).

The default counts nothing; the service counts in Prometheus
(`bookstore.adapters.prometheus_metrics`). Figures read from the database when they are
scraped (events waiting for delivery, say) are `ScrapedGauge`s the composition root lists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bookstore.domain.order import Order
from bookstore.domain.payment import PaymentStatus


class BusinessMetrics(Protocol):
    def order_placed(self, order: Order) -> None:
        """A new order was placed (not a replay of one), redeeming each of its coupons."""
        ...

    def payment_settled(self, outcome: PaymentStatus) -> None:
        """A payment reached `outcome` now: `succeeded`, `failed` (declined) or `refunded`."""
        ...


class NoMetrics:
    """Counts nothing: for library callers who do not watch."""

    def order_placed(self, order: Order) -> None:
        pass

    def payment_settled(self, outcome: PaymentStatus) -> None:
        pass


NO_METRICS: BusinessMetrics = NoMetrics()


@dataclass(frozen=True, slots=True)
class ScrapedGauge:
    """A figure read when the metrics are scraped, e.g. events pending delivery."""

    name: str
    """The metric's name without the service's prefix, in snake_case."""
    description: str
    read: Callable[[], float]
