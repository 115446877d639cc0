"""Payments racing each other and the order's life, in threads or OS processes: a webhook
against a cancel, one event delivered several times at once, one payment retried with one
Idempotency-Key at once.

Kept apart from the test modules so that spawned worker processes import only this (and the
bookstore), not pytest's fixtures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

import sql_storms
from lifecycle_storms import place_orders
from sql_storms import run_together

from bookstore.adapters.clock import SystemClock
from bookstore.adapters.ids import RandomIds
from bookstore.adapters.payments import SandboxGateway
from bookstore.adapters.sql import SqlUnitOfWorkFactory
from bookstore.adapters.sql.sandbox_outcomes import SqlOutcomeSchedule
from bookstore.application.config import StoreConfig
from bookstore.application.payment_settlement import Refunds
from bookstore.application.use_cases import CancelOrder, CancelOrderCommand
from bookstore.application.use_cases.apply_payment_event import ApplyPaymentEvent
from bookstore.application.use_cases.pay_order import PayOrder, PayOrderCommand
from bookstore.domain.errors import IdempotencyInFlight
from bookstore.domain.payment import Payment, PaymentEvent, PaymentEventType
from bookstore.domain.user import Actor, Role

SECRET = "storm-webhook-secret-of-at-least-32-bytes"

Task = tuple[str, str, str, str]
"""(kind, order id, user id, payment id) as text, so that a task crosses to a spawned process:
"webhook" (payment.succeeded, event id from the payment), "cancel", "pay" (key "storm")."""


@dataclass(frozen=True)
class Payments:
    pay: PayOrder
    apply: ApplyPaymentEvent
    cancel: CancelOrder


def payments_on(factory: SqlUnitOfWorkFactory) -> Payments:
    clock = SystemClock()
    gateway = SandboxGateway(
        SqlOutcomeSchedule(factory), clock, webhook_secret=SECRET, async_delay=timedelta(hours=1)
    )
    refunds = Refunds(factory, gateway, clock)
    return Payments(
        PayOrder(factory, gateway, clock, RandomIds(), StoreConfig(), refunds),
        ApplyPaymentEvent(factory, clock, refunds),
        CancelOrder(factory, clock, refunds),
    )


def processing_orders(factory: SqlUnitOfWorkFactory, count: int, book_id: int) -> list[Task]:
    """`count` orders of 2 copies, each with an async payment still processing:
    (kind left blank, order, owner, payment)."""
    payments = payments_on(factory)
    tasks = []
    for order_id, user_id in place_orders(factory, count, {book_id: 2}):
        command = PayOrderCommand(Actor(user_id, Role.CUSTOMER), order_id, "pm_card_async")
        payment = payments.pay(command).payment
        tasks.append(("", str(order_id), str(user_id), str(payment.id)))
    return tasks


def succeeded_event(payment: Payment) -> PaymentEvent:
    return PaymentEvent(
        f"evt_storm_{payment.id.hex}",
        PaymentEventType.SUCCEEDED,
        0,
        payment.id,
        payment.order_id,
        payment.amount,
        payment.currency,
    )


def outcome(work: Callable[[], str]) -> str:
    try:
        return work()
    except IdempotencyInFlight:
        return "in flight"
    except Exception as error:  # every other failure is what the storm looks for
        return f"{type(error).__name__}: {error}".splitlines()[0]


def task_of(factory: SqlUnitOfWorkFactory, payments: Payments, task: Task) -> Callable[[], str]:
    kind, order_id, user_id, payment_id = task
    actor = Actor(UUID(user_id), Role.CUSTOMER)

    def webhook() -> str:
        with factory(read_only=True) as uow:
            payment = uow.payments.get(UUID(payment_id))
        assert payment is not None
        return "applied" if payments.apply(succeeded_event(payment)) else "ignored"

    def cancel() -> str:
        payments.cancel(CancelOrderCommand(actor, UUID(order_id)))
        return "cancelled"

    def pay() -> str:
        command = PayOrderCommand(actor, UUID(order_id), "pm_card_visa", "storm", "body")
        attempt = payments.pay(command)
        return "replayed" if attempt.replayed else attempt.payment.status.value

    work = {"webhook": webhook, "cancel": cancel, "pay": pay}[kind]
    return lambda: outcome(work)


def thread_run(factory: SqlUnitOfWorkFactory, tasks: Sequence[Task]) -> list[str]:
    payments = payments_on(factory)
    return run_together([task_of(factory, payments, task) for task in tasks])


def process_run(url: str, tasks: Sequence[Task], processes: int) -> list[str]:
    """The tasks dealt out over `processes` spawned OS processes, started together."""
    return sql_storms.process_run(url, tasks, processes, thread_run)
