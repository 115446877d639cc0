from __future__ import annotations

from datetime import datetime
from uuid import UUID

from bookstore.application.config import StoreConfig
from bookstore.application.order_lifecycle import change_order
from bookstore.application.ports import Clock, UnitOfWorkFactory
from bookstore.domain.errors import OrderNotFound
from bookstore.domain.order import Order, OrderTransition
from bookstore.domain.order_status import ChangedBy
from bookstore.domain.payment import NotExpirable

BATCH = 100


class ExpireUnpaidOrders:
    """Cancel every order left unpaid for longer than `StoreConfig.unpaid_order_ttl` (§10).

    - Only `placed` orders with no payment under way expire (one whose payment is
      `processing` waits for its outcome); the system cancels them, and their copies go
      back to stock, once.
    - Each order is cancelled in its own transaction, conditional on its status and payment
      status as read: of several workers at once, one cancels each order.
    - No time-to-live (`None`) expires nothing. Returns how many this call cancelled.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, config: StoreConfig) -> None:
        self._uow = uow
        self._clock = clock
        self._ttl = config.unpaid_order_ttl

    def __call__(self) -> int:
        if self._ttl is None:
            return 0
        now = self._clock.now()
        minutes = int(self._ttl.total_seconds() // 60)
        reason = f"Unpaid for {minutes} minutes."
        cancelled, seen = 0, set[UUID]()
        while True:
            with self._uow(read_only=True) as uow:
                due = uow.payments.expirable_orders(now - self._ttl, BATCH)
            fresh = [order_id for order_id in due if order_id not in seen]
            for order_id in fresh:
                cancelled += self._expire(order_id, now, reason)
            seen.update(fresh)
            if len(due) < BATCH or not fresh:
                return cancelled

    def _expire(self, order_id: UUID, now: datetime, reason: str) -> int:
        def expire(order: Order) -> OrderTransition:
            if not order.awaits_payment:
                raise NotExpirable(order.id)
            return order.cancel(by=ChangedBy.system(), at=now, reason=reason)

        with self._uow() as uow:
            try:
                change_order(uow, order_id, expire)
            except (NotExpirable, OrderNotFound):
                return 0
            uow.commit()
        return 1
