"""Payments of orders (§12): one charge attempt each, settled once, refunded at most once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from bookstore.domain.errors import Conflict, DomainError
from bookstore.domain.money import Money


class PaymentStatus(StrEnum):
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUNDED = "refunded"


class OrderPaymentStatus(StrEnum):
    """What an order shows of its payments."""

    UNPAID = "unpaid"
    PROCESSING = "processing"
    PAID = "paid"
    REFUNDED = "refunded"


class PaymentEventType(StrEnum):
    SUCCEEDED = "payment.succeeded"
    FAILED = "payment.failed"
    REFUNDED = "refund.succeeded"


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    """A later outcome of a payment, as the provider reports it (a webhook, or the sandbox's
    delayed outcome). `id` alone decides whether it was already applied."""

    id: str
    type: PaymentEventType
    created: int
    """Unix seconds."""
    payment_id: UUID
    order_id: UUID
    amount: Money
    currency: str
    decline_code: str | None = None


@dataclass(frozen=True, slots=True)
class Payment:
    id: UUID
    order_id: UUID
    status: PaymentStatus
    amount: Money
    currency: str
    payment_method: str
    created_at: datetime
    updated_at: datetime
    decline_code: str | None = None
    idempotency_key: str | None = None
    """Kept while the payment answers for its key: not after a decline (the key may be
    used again)."""
    fingerprint: str | None = None
    submitted: bool = False
    """The charge reached the provider: before, a retry with the same key is in flight."""
    refund_requested: bool = False
    """A refund is owed (the order was cancelled): issued once, retried until it succeeds."""

    def succeed(self, at: datetime) -> Payment:
        return replace(self, status=PaymentStatus.SUCCEEDED, submitted=True, updated_at=at)

    def fail(self, decline_code: str, at: datetime) -> Payment:
        return replace(
            self,
            status=PaymentStatus.FAILED,
            decline_code=decline_code,
            idempotency_key=None,
            submitted=True,
            updated_at=at,
        )

    def submit(self, at: datetime) -> Payment:
        return replace(self, submitted=True, updated_at=at)

    def owe_refund(self, at: datetime) -> Payment:
        return replace(self, refund_requested=True, updated_at=at)

    def refund(self, at: datetime) -> Payment:
        return replace(self, status=PaymentStatus.REFUNDED, updated_at=at)


class PaymentDeclined(DomainError):
    """The provider declined the card: the order stays `placed`, and may be paid again."""

    code = "payment-declined"

    def __init__(self, payment_id: UUID, decline_code: str) -> None:
        self.payment_id = payment_id
        self.decline_code = decline_code
        super().__init__(f"The payment was declined ({decline_code}).")


class PaymentInProgress(Conflict):
    code = "payment-in-progress"

    def __init__(self, order_id: UUID) -> None:
        self.order_id = order_id
        super().__init__(f"Order {order_id} already has a payment in progress.")


class InvalidSignature(DomainError):
    """A webhook whose signature is missing, wrong or too old: nothing was applied."""

    code = "invalid-signature"
    detail = "The webhook signature is missing, invalid or too old."


class NotExpirable(Conflict):
    """The order is no longer an unpaid `placed` one: it does not expire."""

    def __init__(self, order_id: UUID) -> None:
        super().__init__(f"Order {order_id} is not an unpaid placed order.")
