"""Moving an order along §10's table inside a unit of work: what every transition shares.

Cancellations, an admin's status change, and later a payment (§12) or the expiry of unpaid
orders (§10) all go through `change_order`, so each one is written only if the order is still
where it was, and a cancellation gives its copies back in the same transaction, once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from bookstore.application import announcements
from bookstore.application.authorization import may_see_order
from bookstore.application.ports import UnitOfWork
from bookstore.application.redemptions import give_back_uses
from bookstore.domain.errors import OrderNotFound
from bookstore.domain.order import Order, OrderStatus, OrderTransition
from bookstore.domain.pagination import PageRequest
from bookstore.domain.payment import PaymentStatus
from bookstore.domain.user import Actor

Transition = Callable[[Order], OrderTransition]
"""One of the order's business-named transitions, e.g. `lambda o: o.cancel(by=..., at=...)`."""

_ATTEMPTS = len(OrderStatus)
"""A write is lost only to a transition that moved the order on, and every path along the
table has fewer steps than there are statuses."""


def change_order(
    uow: UnitOfWork, order_id: UUID, transition: Transition, *, actor: Actor | None = None
) -> OrderTransition:
    """Load the order, make the transition, and write it (with any copies it gives back).

    - `actor`, when given, must be allowed to see the order, or it is not found.
    - A cancellation gives the order's coupon uses back (§13), in the same transaction.
    - The transition's event (`order.paid`, ...; §14) goes to the outbox with the order as
      it is after it, and a cancellation's copies announce the books they bring back.
    - A paid order's cancellation marks each of its succeeded payments as owing its refund,
      in the same transaction (`Refunds.after` issues them once it committed).
    - The write is conditional on the status (and payment status) the order was read in: if
      a concurrent transition moved it first, the order is read again as it is now and the
      transition made afresh, so it either applies to the new status or is refused
      (`InvalidTransition` from the new status). Nothing is written before it succeeds.
    """
    for _ in range(_ATTEMPTS):
        order = uow.orders.get(order_id)
        if order is None or (actor is not None and not may_see_order(actor, order)):
            raise OrderNotFound(order_id)
        change = transition(order)
        if uow.orders.transition(change):
            if change.restock:
                restocked = uow.inventory.move(change.restock, in_catalogue=False)
                announcements.stock_changed(uow, restocked)
            if change.status is OrderStatus.CANCELLED:
                give_back_uses(uow, change.order)  # §13: once, as the transition
            if change.status is OrderStatus.CANCELLED and change.previous is OrderStatus.PAID:
                _owe_refunds(uow, order_id, change.entry.at)
            announcements.order_changed(uow, change)
            return change
    raise RuntimeError(f"order {order_id} kept changing under {_ATTEMPTS} transitions")


def _owe_refunds(uow: UnitOfWork, order_id: UUID, at: datetime) -> None:
    for payment in uow.payments.of_order(order_id, PageRequest(1, 100)).items:
        if payment.status is PaymentStatus.SUCCEEDED and not payment.refund_requested:
            uow.payments.update(payment.owe_refund(at), was=PaymentStatus.SUCCEEDED)
