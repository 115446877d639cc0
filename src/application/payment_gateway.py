"""The `PaymentGateway` port: charging, refunding, and how a later outcome reaches us.

A provider is told about each payment by our payment id, which it uses as its own
idempotency key: asked twice about one payment (a retried request, a worker that crashed
mid-call), it charges or refunds once. Outcomes known at once are returned; later ones reach
us as `PaymentEvent`s, pushed (a signed webhook, `read_event`) or pulled (`due_events`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from bookstore.domain.money import Money
from bookstore.domain.payment import PaymentEvent


@dataclass(frozen=True, slots=True)
class ChargeRequest:
    payment_id: UUID
    order_id: UUID
    amount: Money
    currency: str
    payment_method: str


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    PROCESSING = "processing"
    """Accepted; the outcome comes later, as an event."""


@dataclass(frozen=True, slots=True)
class ChargeResult:
    outcome: Outcome
    decline_code: str | None = None


class PaymentGateway(Protocol):
    def check_method(self, payment_method: str) -> None:
        """Refuse (`InvalidInput` on `payment_method`) a method this provider cannot take."""
        ...

    def charge(self, request: ChargeRequest) -> ChargeResult: ...

    def refund(self, request: ChargeRequest) -> Outcome:
        """Refund a succeeded charge in full: `SUCCEEDED`, or `PROCESSING` when the provider
        confirms later (a `refund.succeeded` event)."""
        ...

    def read_event(self, payload: bytes, signature: str | None) -> PaymentEvent:
        """A webhook's event, once its signature is verified: `InvalidSignature` if missing,
        wrong or too old; `InvalidInput` if the signed body is not an event."""
        ...

    def due_events(self, now: datetime, limit: int) -> Sequence[PaymentEvent]:
        """Later outcomes this process should fetch rather than receive (the sandbox's
        delayed ones), claimed for a while so that concurrent callers get different ones;
        `acknowledge` each once applied. A provider that pushes everything returns none."""
        ...

    def acknowledge(self, event_id: str) -> None: ...
