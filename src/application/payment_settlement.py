"""Settling a payment inside a unit of work: what a charge's outcome, a webhook event and the
sandbox's delayed outcome share, so each rule is written once.

Every write is conditional on the state it was read in (`PaymentRepository.update`,
`change_order`), so two settlements of one payment at once apply once. A payment that
succeeds for an order that can no longer be paid (cancelled meanwhile, or paid elsewhere)
is marked as owing its refund in the same transaction; `Refunds` then issues it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID

from bookstore.application import announcements
from bookstore.application.metrics import NO_METRICS, BusinessMetrics
from bookstore.application.order_lifecycle import change_order
from bookstore.application.payment_gateway import ChargeRequest, Outcome, PaymentGateway
from bookstore.application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bookstore.domain.errors import InvalidTransition
from bookstore.domain.order import OrderStatus, OrderTransition
from bookstore.domain.order_status import ChangedBy
from bookstore.domain.pagination import PageRequest
from bookstore.domain.payment import OrderPaymentStatus, Payment, PaymentStatus

logger = logging.getLogger("bookstore.payments")

_ALL = PageRequest(1, 100)


def settle_success(uow: UnitOfWork, payment_id: UUID, now: datetime) -> bool:
    """A processing payment succeeded: the order is paid, or, if it cannot be any more, the
    payment owes its refund. True when a refund is now owed."""
    payment = uow.payments.get(payment_id)
    if payment is None or payment.status is not PaymentStatus.PROCESSING:
        return False
    succeeded = payment.succeed(now)
    if not uow.payments.update(succeeded, was=PaymentStatus.PROCESSING):
        return False
    try:
        change_order(uow, payment.order_id, lambda o: o.mark_paid(by=ChangedBy.payment(), at=now))
    except InvalidTransition:
        uow.payments.update(succeeded.owe_refund(now), was=PaymentStatus.SUCCEEDED)
        return True
    return False


def settle_failure(uow: UnitOfWork, payment_id: UUID, decline_code: str, now: datetime) -> None:
    """A processing payment was declined (at once or later): the order may be paid again,
    and `payment.failed` goes to the outbox."""
    payment = uow.payments.get(payment_id)
    if payment is None or payment.status is not PaymentStatus.PROCESSING:
        return
    failed = payment.fail(decline_code, now)
    if uow.payments.update(failed, was=PaymentStatus.PROCESSING):
        uow.payments.set_order_status(
            payment.order_id, OrderPaymentStatus.UNPAID, was=OrderPaymentStatus.PROCESSING
        )
        announcements.payment_failed(uow, failed)


def settle_refund(uow: UnitOfWork, payment_id: UUID, now: datetime) -> None:
    """The refund of a payment succeeded: the payment shows `refunded`, and so does its order
    if it was cancelled. An order paid by other means meanwhile (an admin marked it paid while
    this payment was processing) stays `paid`: only the surplus payment went back."""
    payment = uow.payments.get(payment_id)
    if payment is None or payment.status is not PaymentStatus.SUCCEEDED:
        return
    if not uow.payments.update(payment.refund(now), was=PaymentStatus.SUCCEEDED):
        return
    order = uow.orders.get(payment.order_id)
    if order is None or order.status is not OrderStatus.CANCELLED:
        return
    if order.payment_status is not OrderPaymentStatus.REFUNDED:
        uow.payments.set_order_status(order.id, OrderPaymentStatus.REFUNDED, order.payment_status)


def charge_request(payment: Payment) -> ChargeRequest:
    return ChargeRequest(
        payment.id, payment.order_id, payment.amount, payment.currency, payment.payment_method
    )


class Refunds:
    """Issues owed refunds through the gateway, after the transaction that owed them has
    committed (no transaction waits on the provider). The provider refunds a payment once
    however often it is asked; one that fails now is retried by the worker."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        gateway: PaymentGateway,
        clock: Clock,
        *,
        metrics: BusinessMetrics = NO_METRICS,
    ) -> None:
        self._uow = uow
        self._gateway = gateway
        self._clock = clock
        self._metrics = metrics

    def after(self, change: OrderTransition) -> None:
        """After a transition committed: refund what a paid order's cancellation owes
        (`change_order` recorded the debt in the transition's transaction)."""
        if change.status is OrderStatus.CANCELLED and change.previous is OrderStatus.PAID:
            with self._uow(read_only=True) as uow:
                payments = uow.payments.of_order(change.order.id, _ALL).items
            self.issue([p.id for p in payments if p.refund_requested])

    def issue(self, payment_ids: list[UUID]) -> None:
        """Refund each now; a failure is logged and left for `issue_owed`."""
        for payment_id in payment_ids:
            try:
                self._issue(payment_id)
            except Exception:
                logger.exception("refund of payment %s failed; the worker retries it", payment_id)

    def issue_owed(self, limit: int = 100) -> int:
        """The worker's job: refunds owed that are not done yet. How many were issued."""
        with self._uow(read_only=True) as uow:
            owed = uow.payments.refunds_owed(limit)
        done = 0
        for payment_id in owed:
            try:
                done += self._issue(payment_id)
            except Exception:
                logger.exception("refund of payment %s failed; retried later", payment_id)
        return done

    def _issue(self, payment_id: UUID) -> int:
        with self._uow(read_only=True) as uow:
            payment = uow.payments.get(payment_id)
        if payment is None or payment.status is not PaymentStatus.SUCCEEDED:
            return 0
        if not payment.refund_requested:
            return 0
        if self._gateway.refund(charge_request(payment)) is not Outcome.SUCCEEDED:
            return 0  # the provider's `refund.succeeded` event settles it
        with self._uow() as uow:
            settle_refund(uow, payment_id, self._clock.now())
            uow.commit()
        self._metrics.payment_settled(PaymentStatus.REFUNDED)
        return 1
