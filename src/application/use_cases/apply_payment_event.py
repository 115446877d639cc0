from __future__ import annotations

import logging
from dataclasses import dataclass

from bookstore.application.metrics import NO_METRICS, BusinessMetrics
from bookstore.application.payment_gateway import PaymentGateway
from bookstore.application.payment_settlement import (
    Refunds,
    settle_failure,
    settle_refund,
    settle_success,
)
from bookstore.application.ports import Clock, UnitOfWorkFactory
from bookstore.domain.payment import PaymentEvent, PaymentEventType, PaymentStatus

logger = logging.getLogger("bookstore.payments")


class ApplyPaymentEvent:
    """Apply a provider's event about one of our payments, once.

    - The event id is recorded in the same transaction as the event's effect: a redelivery,
      even one arriving at the same moment, changes nothing (the database lets one record it).
    - `payment.succeeded`: the payment succeeds and its order is paid; if the order was
      cancelled (or paid elsewhere) meanwhile, it stays so and the payment is refunded.
    - `payment.failed`: the payment fails with its decline code; the order may be paid again.
    - `refund.succeeded`: the payment and its order show `refunded`.
    - Events for payments we do not know, or that do not match them, change nothing.

    Returns True when the event took effect now.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        refunds: Refunds,
        *,
        metrics: BusinessMetrics = NO_METRICS,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._refunds = refunds
        self._metrics = metrics

    def __call__(self, event: PaymentEvent) -> bool:
        now, owed = self._clock.now(), False
        with self._uow() as uow:
            payment = uow.payments.get(event.payment_id)
            if payment is None or not _matches(event, payment.order_id, payment.amount.cents):
                logger.info("payment event %s names no payment of ours; ignored", event.id)
                return False
            if not uow.payments.first_delivery(event.id, now):
                return False
            if event.type is PaymentEventType.SUCCEEDED:
                owed = settle_success(uow, payment.id, now)
            elif event.type is PaymentEventType.FAILED:
                settle_failure(uow, payment.id, event.decline_code or "card_declined", now)
            else:
                settle_refund(uow, payment.id, now)
            uow.commit()
        self._metrics.payment_settled(_OUTCOMES[event.type])
        if owed:
            self._refunds.issue([payment.id])
        return True


_OUTCOMES = {
    PaymentEventType.SUCCEEDED: PaymentStatus.SUCCEEDED,
    PaymentEventType.FAILED: PaymentStatus.FAILED,
    PaymentEventType.REFUNDED: PaymentStatus.REFUNDED,
}


def _matches(event: PaymentEvent, order_id: object, amount_cents: int) -> bool:
    return event.order_id == order_id and event.amount.cents == amount_cents


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    payload: bytes
    """The raw body, exactly as received: the signature covers these bytes."""
    signature: str | None


class ReceivePaymentWebhook:
    """A provider's webhook: verified (`InvalidSignature`, nothing applied), then applied
    once (`ApplyPaymentEvent`)."""

    def __init__(self, gateway: PaymentGateway, apply: ApplyPaymentEvent) -> None:
        self._gateway = gateway
        self._apply = apply

    def __call__(self, delivery: WebhookDelivery) -> bool:
        event = self._gateway.read_event(delivery.payload, delivery.signature)
        return self._apply(event)


class ApplyDueOutcomes:
    """The worker's job: outcomes the provider leaves for us to fetch (the sandbox's delayed
    ones), applied exactly as if their webhooks had arrived. How many were applied."""

    def __init__(self, gateway: PaymentGateway, apply: ApplyPaymentEvent, clock: Clock) -> None:
        self._gateway = gateway
        self._apply = apply
        self._clock = clock

    def __call__(self, limit: int = 100) -> int:
        applied = 0
        for event in self._gateway.due_events(self._clock.now(), limit):
            applied += self._apply(event)
            self._gateway.acknowledge(event.id)
        return applied
