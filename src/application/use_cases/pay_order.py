from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn
from uuid import UUID

from bookstore.application.config import StoreConfig
from bookstore.application.metrics import NO_METRICS, BusinessMetrics
from bookstore.application.payment_gateway import Outcome, PaymentGateway
from bookstore.application.payment_settlement import (
    Refunds,
    charge_request,
    settle_failure,
    settle_success,
)
from bookstore.application.ports import Clock, IdGenerator, UnitOfWork, UnitOfWorkFactory
from bookstore.application.use_cases.place_order_once import check_key
from bookstore.domain.errors import (
    IdempotencyInFlight,
    IdempotencyKeyMismatch,
    InvalidTransition,
    OrderNotFound,
)
from bookstore.domain.order import Order, OrderStatus
from bookstore.domain.payment import (
    Payment,
    PaymentDeclined,
    PaymentInProgress,
    PaymentStatus,
)
from bookstore.domain.user import Actor

GATEWAY_ERROR = "processing_error"
"""The decline code of a charge the provider could not be asked about."""


@dataclass(frozen=True, slots=True)
class PayOrderCommand:
    actor: Actor
    order_id: UUID
    payment_method: str
    idempotency_key: str | None = None
    fingerprint: str = ""
    """What identifies the request (a hash of its body): the same key with another
    fingerprint is a different request."""


@dataclass(frozen=True, slots=True)
class PaymentAttempt:
    payment: Payment
    replayed: bool = False


class PayOrder:
    """Pay one of the caller's `placed` orders, charging its total through the gateway.

    - Only the order's owner pays it; another's order is not found.
    - An order that is not `placed` is refused (`InvalidTransition` to `paid`); one whose
      payment is already `processing` too (`PaymentInProgress`).
    - The right to charge is claimed in the database before the provider is asked (the
      order's payment status goes `unpaid` → `processing` in one conditional update), so
      concurrent requests charge at most once; no transaction waits on the provider.
    - Succeeded: the order is `paid`. Declined: `PaymentDeclined` (the payment is kept as
      `failed`, the order stays `placed` and may be paid again). Processing: the outcome
      comes later, as an event.
    - With an idempotency key, a retry answers the first payment again and charges nothing;
      the same key with another request is refused; a retry while the first is still
      charging is `IdempotencyInFlight`. A declined attempt frees its key.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        gateway: PaymentGateway,
        clock: Clock,
        ids: IdGenerator,
        config: StoreConfig,
        refunds: Refunds,
        *,
        metrics: BusinessMetrics = NO_METRICS,
    ) -> None:
        self._uow = uow
        self._gateway = gateway
        self._clock = clock
        self._ids = ids
        self._currency = config.currency
        self._refunds = refunds
        self._metrics = metrics

    def replay(self, command: PayOrderCommand) -> PaymentAttempt | None:
        """The first answer for this key, if there is one (checked before the body is)."""
        if command.idempotency_key is None:
            return None
        check_key(command.idempotency_key)
        with self._uow(read_only=True) as uow:
            self._own_order(uow, command)
            return _previous(uow, command)

    def __call__(self, command: PayOrderCommand) -> PaymentAttempt:
        if command.idempotency_key is not None:
            check_key(command.idempotency_key)
        self._gateway.check_method(command.payment_method)
        started = self._start(command)
        if isinstance(started, PaymentAttempt):
            return started
        try:
            result = self._gateway.charge(charge_request(started))
        except Exception:
            self._settle(started.id, Outcome.DECLINED, GATEWAY_ERROR)
            raise
        payment = self._settle(started.id, result.outcome, result.decline_code or "card_declined")
        if payment.status is not PaymentStatus.PROCESSING:  # else its event settles it later
            self._metrics.payment_settled(payment.status)
        if payment.status is PaymentStatus.FAILED:
            raise PaymentDeclined(payment.id, payment.decline_code or "card_declined")
        return PaymentAttempt(payment)

    def _start(self, command: PayOrderCommand) -> Payment | PaymentAttempt:
        now = self._clock.now()
        with self._uow() as uow:
            order = self._own_order(uow, command)
            previous = _previous(uow, command)
            if previous is not None:
                return previous
            if not uow.payments.claim_order(order.id):
                # A concurrent request may have claimed it with this very key.
                previous = _previous(uow, command)
                if previous is not None:
                    return previous
                _refuse(self._own_order(uow, command))
            payment = Payment(
                self._ids.new_id(),
                order.id,
                PaymentStatus.PROCESSING,
                order.total,
                self._currency,
                command.payment_method,
                now,
                now,
                idempotency_key=command.idempotency_key,
                fingerprint=command.fingerprint or None,
            )
            uow.payments.add(payment)
            uow.commit()
        return payment

    def _settle(self, payment_id: UUID, outcome: Outcome, decline_code: str) -> Payment:
        now, owed = self._clock.now(), False
        with self._uow() as uow:
            if outcome is Outcome.SUCCEEDED:
                owed = settle_success(uow, payment_id, now)
            elif outcome is Outcome.DECLINED:
                settle_failure(uow, payment_id, decline_code, now)
            else:
                payment = uow.payments.get(payment_id)
                if payment is not None and payment.status is PaymentStatus.PROCESSING:
                    uow.payments.update(payment.submit(now), was=PaymentStatus.PROCESSING)
            uow.commit()
        if owed:
            self._refunds.issue([payment_id])
        with self._uow(read_only=True) as uow:
            payment = uow.payments.get(payment_id)
        if payment is None:
            raise RuntimeError(f"payment {payment_id} vanished")
        return payment

    def _own_order(self, uow: UnitOfWork, command: PayOrderCommand) -> Order:
        order = uow.orders.get(command.order_id)
        if order is None or order.user_id != command.actor.user_id:
            raise OrderNotFound(command.order_id)
        return order


def _previous(uow: UnitOfWork, command: PayOrderCommand) -> PaymentAttempt | None:
    if command.idempotency_key is None:
        return None
    payment = uow.payments.by_key(command.order_id, command.idempotency_key)
    if payment is None:
        return None
    if payment.fingerprint != (command.fingerprint or None):
        raise IdempotencyKeyMismatch()
    if payment.status is PaymentStatus.PROCESSING and not payment.submitted:
        raise IdempotencyInFlight()
    return PaymentAttempt(payment, replayed=True)


def _refuse(order: Order) -> NoReturn:
    if order.status is not OrderStatus.PLACED:
        raise InvalidTransition(order.id, order.status.value, OrderStatus.PAID.value)
    raise PaymentInProgress(order.id)
