"""The `sandbox` provider: a card processor in test mode (§12).

Test payment methods decide the outcome. Delayed outcomes (`pm_card_async*`) are kept in an
`OutcomeSchedule` (the database, so that every process and worker sees them) as the webhook
body the provider would have sent; the worker fetches them once due (`due_events`), and they
are applied exactly as a verified webhook would be.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Protocol

from bookstore.adapters.payments.events import decode_event, encode_event
from bookstore.adapters.payments.signature import TOLERANCE_SECONDS, verify
from bookstore.application.payment_gateway import ChargeRequest, ChargeResult, Outcome
from bookstore.application.ports import Clock
from bookstore.domain.errors import InvalidInput
from bookstore.domain.payment import PaymentEvent, PaymentEventType

CLAIM_SECONDS = 60
"""How long a worker holds the outcomes it fetched: one that died holding them lets them go
after this, and the next worker applies them (their event ids keep it to once)."""


@dataclass(frozen=True, slots=True)
class SandboxCard:
    now: Outcome
    later: PaymentEventType | None = None
    decline_code: str | None = None


SANDBOX_METHODS: Mapping[str, SandboxCard] = MappingProxyType(
    {
        "pm_card_visa": SandboxCard(Outcome.SUCCEEDED),
        "pm_card_mastercard": SandboxCard(Outcome.SUCCEEDED),
        "pm_card_declined": SandboxCard(Outcome.DECLINED, decline_code="card_declined"),
        "pm_card_insufficient_funds": SandboxCard(
            Outcome.DECLINED, decline_code="insufficient_funds"
        ),
        "pm_card_async": SandboxCard(Outcome.PROCESSING, PaymentEventType.SUCCEEDED),
        "pm_card_async_declined": SandboxCard(
            Outcome.PROCESSING, PaymentEventType.FAILED, "card_declined"
        ),
    }
)


class OutcomeSchedule(Protocol):
    """Where the sandbox keeps delayed outcomes until they are applied."""

    def add(self, event_id: str, payload: bytes, due_at: datetime) -> None:
        """Schedule an event body; nothing if that event is already scheduled."""
        ...

    def claim_due(self, now: datetime, until: datetime, limit: int) -> list[bytes]:
        """Bodies due by `now`, neither done nor claimed by another caller until after
        `now`; claimed for this caller until `until`."""
        ...

    def done(self, event_id: str, at: datetime) -> None: ...


class SandboxGateway:
    def __init__(
        self,
        schedule: OutcomeSchedule,
        clock: Clock,
        *,
        webhook_secret: str,
        async_delay: timedelta,
    ) -> None:
        self._schedule = schedule
        self._clock = clock
        self._secret = webhook_secret
        self._delay = async_delay

    def check_method(self, payment_method: str) -> None:
        if payment_method not in SANDBOX_METHODS:
            known = ", ".join(SANDBOX_METHODS)
            raise InvalidInput.single("payment_method", f"must be one of: {known}")

    def charge(self, request: ChargeRequest) -> ChargeResult:
        self.check_method(request.payment_method)
        card = SANDBOX_METHODS[request.payment_method]
        if card.later is not None:
            now = self._clock.now()
            event = PaymentEvent(
                f"evt_sandbox_{request.payment_id.hex}",  # one per payment: charged once
                card.later,
                int(now.timestamp()),
                request.payment_id,
                request.order_id,
                request.amount,
                request.currency,
                card.decline_code,
            )
            self._schedule.add(event.id, encode_event(event), now + self._delay)
        return ChargeResult(card.now, card.decline_code)

    def refund(self, request: ChargeRequest) -> Outcome:
        return Outcome.SUCCEEDED

    def read_event(self, payload: bytes, signature: str | None) -> PaymentEvent:
        now = int(self._clock.now().timestamp())
        verify(payload, signature, self._secret, now, TOLERANCE_SECONDS)
        return decode_event(payload)

    def due_events(self, now: datetime, limit: int) -> Sequence[PaymentEvent]:
        until = now + timedelta(seconds=CLAIM_SECONDS)
        return [decode_event(body) for body in self._schedule.claim_due(now, until, limit)]

    def acknowledge(self, event_id: str) -> None:
        self._schedule.done(event_id, self._clock.now())


class MemoryOutcomeSchedule:
    """The schedule of a store that lives in one process (`memory://`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._due: dict[str, tuple[bytes, datetime]] = {}
        self._claimed: dict[str, datetime] = {}

    def add(self, event_id: str, payload: bytes, due_at: datetime) -> None:
        with self._lock:
            self._due.setdefault(event_id, (payload, due_at))

    def claim_due(self, now: datetime, until: datetime, limit: int) -> list[bytes]:
        with self._lock:
            due = [
                (event_id, body)
                for event_id, (body, at) in sorted(self._due.items(), key=lambda i: i[1][1])
                if at <= now and self._claimed.get(event_id, now) <= now
            ][:limit]
            for event_id, _ in due:
                self._claimed[event_id] = until
            return [body for _, body in due]

    def done(self, event_id: str, at: datetime) -> None:
        with self._lock:
            self._due.pop(event_id, None)
            self._claimed.pop(event_id, None)
