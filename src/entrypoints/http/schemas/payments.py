"""Payments on the wire (§12)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from bookstore.domain.pagination import Page
from bookstore.domain.payment import Payment, PaymentStatus
from bookstore.entrypoints.http.schemas.common import MoneyText, PageOut, timestamp

PaymentMethod = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class PayRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    payment_method: PaymentMethod
    """A test method of the sandbox: `pm_card_visa`, `pm_card_mastercard`, `pm_card_declined`,
    `pm_card_insufficient_funds`, `pm_card_async`, `pm_card_async_declined`."""


class PaymentOut(msgspec.Struct, kw_only=True):
    id: UUID
    order_id: UUID
    status: PaymentStatus
    amount: MoneyText
    currency: str
    payment_method: str
    decline_code: str | None
    created_at: datetime
    updated_at: datetime


class PaymentPage(PageOut[PaymentOut], kw_only=True):
    items: list[PaymentOut]


class WebhookAck(msgspec.Struct, kw_only=True):
    received: bool = True


def payment_out(payment: Payment) -> PaymentOut:
    return PaymentOut(
        id=payment.id,
        order_id=payment.order_id,
        status=payment.status,
        amount=str(payment.amount),
        currency=payment.currency,
        payment_method=payment.payment_method,
        decline_code=payment.decline_code,
        created_at=timestamp(payment.created_at),
        updated_at=timestamp(payment.updated_at),
    )


def payment_page(page: Page[Payment]) -> PaymentPage:
    return PaymentPage.of(page, payment_out)
