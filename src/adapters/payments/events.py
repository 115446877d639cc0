"""Provider events on the wire (§12): `{id, type, created, data: {payment_id, order_id,
amount, currency, decline_code?}}`, amounts as decimal strings."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec

from bookstore.domain.errors import InvalidInput
from bookstore.domain.money import Money
from bookstore.domain.payment import PaymentEvent, PaymentEventType

MAX_EVENT_BYTES = 64 * 1024


class _Data(msgspec.Struct, kw_only=True, frozen=True):
    payment_id: UUID
    order_id: UUID
    amount: str
    currency: Annotated[str, msgspec.Meta(pattern="^[A-Z]{3}$")]
    decline_code: Annotated[str, msgspec.Meta(max_length=64)] | None = None


class _Event(msgspec.Struct, kw_only=True, frozen=True):
    id: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
    type: PaymentEventType
    created: Annotated[int, msgspec.Meta(ge=0)]
    data: _Data


_decoder = msgspec.json.Decoder(_Event)


def encode_event(event: PaymentEvent) -> bytes:
    data = _Data(
        payment_id=event.payment_id,
        order_id=event.order_id,
        amount=str(event.amount),
        currency=event.currency,
        decline_code=event.decline_code,
    )
    wire = _Event(id=event.id, type=event.type, created=event.created, data=data)
    return msgspec.json.encode(wire)


def decode_event(payload: bytes) -> PaymentEvent:
    """The event a (verified) body carries; `InvalidInput` if it is not one."""
    if len(payload) > MAX_EVENT_BYTES:
        raise InvalidInput.single("body", "is too large for an event")
    try:
        wire = _decoder.decode(payload)
    except msgspec.DecodeError:
        raise InvalidInput.single("body", "is not a payment event") from None
    data = wire.data
    amount = Money.parse(data.amount, "data.amount")
    return PaymentEvent(
        wire.id,
        wire.type,
        wire.created,
        data.payment_id,
        data.order_id,
        amount,
        data.currency,
        data.decline_code,
    )
