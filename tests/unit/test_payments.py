"""Paying orders through the sandbox, refunds on cancel, webhooks applied once, expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookstore.adapters.payments.events import encode_event
from bookstore.adapters.payments.signature import sign
from bookstore.application.use_cases import CancelOrderCommand, ChangeOrderStatusCommand
from bookstore.application.use_cases.apply_payment_event import WebhookDelivery
from bookstore.application.use_cases.list_payments import ListPaymentsCommand
from bookstore.application.use_cases.pay_order import PayOrderCommand
from bookstore.domain.book import Book
from bookstore.domain.errors import (
    IdempotencyKeyMismatch,
    InvalidInput,
    InvalidTransition,
    OrderNotFound,
)
from bookstore.domain.order import Order, OrderStatus
from bookstore.domain.order_status import ActorKind
from bookstore.domain.payment import (
    InvalidSignature,
    OrderPaymentStatus,
    Payment,
    PaymentDeclined,
    PaymentEvent,
    PaymentEventType,
    PaymentInProgress,
    PaymentStatus,
)
from bookstore.domain.user import Actor
from bookstore.entrypoints.settings import DEVELOPMENT_WEBHOOK_SECRET

from .support import Shop


def pay(shop: Shop, actor: Actor, order: Order, method: str, key: str | None = None) -> Payment:
    command = PayOrderCommand(actor, order.id, method, key, "body" if key else "")
    return shop.app.pay_order()(command).payment


def order_of(shop: Shop, order: Order) -> Order:
    found = shop.storage.state.orders[order.id]
    return found


def payments_of(shop: Shop, actor: Actor, order: Order) -> list[Payment]:
    return list(shop.app.list_payments()(ListPaymentsCommand(actor, order.id)).items)


def event_for(payment: Payment, kind: PaymentEventType, event_id: str = "evt_1") -> PaymentEvent:
    return PaymentEvent(
        event_id, kind, 1, payment.id, payment.order_id, payment.amount, payment.currency
    )


def test_a_visa_card_pays_the_order_at_once(shop: Shop, ada: Actor, dune: Book) -> None:
    order = shop.order(ada, (dune, 2))
    payment = pay(shop, ada, order, "pm_card_visa")
    assert payment.status is PaymentStatus.SUCCEEDED
    assert payment.amount == order.total
    paid = order_of(shop, order)
    assert (paid.status, paid.payment_status) == (OrderStatus.PAID, OrderPaymentStatus.PAID)
    assert paid.status_history[-1].actor is ActorKind.PAYMENT


@pytest.mark.parametrize(
    ("method", "code"),
    [("pm_card_declined", "card_declined"), ("pm_card_insufficient_funds", "insufficient_funds")],
)
def test_a_declined_card_leaves_the_order_placed_and_payable(
    shop: Shop, ada: Actor, dune: Book, method: str, code: str
) -> None:
    order = shop.order(ada, (dune, 1))
    with pytest.raises(PaymentDeclined) as declined:
        pay(shop, ada, order, method)
    assert declined.value.decline_code == code
    assert order_of(shop, order).payment_status is OrderPaymentStatus.UNPAID
    assert pay(shop, ada, order, "pm_card_visa").status is PaymentStatus.SUCCEEDED
    statuses = [p.status for p in payments_of(shop, ada, order)]
    assert statuses == [PaymentStatus.FAILED, PaymentStatus.SUCCEEDED]


def test_an_unknown_payment_method_is_refused_and_changes_nothing(
    shop: Shop, ada: Actor, dune: Book
) -> None:
    order = shop.order(ada, (dune, 1))
    with pytest.raises(InvalidInput):
        pay(shop, ada, order, "pm_card_amex_gold")
    assert payments_of(shop, ada, order) == []


def test_only_the_owner_pays_and_only_a_placed_order(shop: Shop, ada: Actor, dune: Book) -> None:
    order = shop.order(ada, (dune, 1))
    with pytest.raises(OrderNotFound):
        pay(shop, shop.customer(), order, "pm_card_visa")
    pay(shop, ada, order, "pm_card_visa")
    with pytest.raises(InvalidTransition):
        pay(shop, ada, order, "pm_card_visa")


def test_an_async_card_processes_then_succeeds_when_its_outcome_is_due(
    shop: Shop, ada: Actor, dune: Book
) -> None:
    order = shop.order(ada, (dune, 1))
    payment = pay(shop, ada, order, "pm_card_async")
    assert payment.status is PaymentStatus.PROCESSING
    assert order_of(shop, order).payment_status is OrderPaymentStatus.PROCESSING
    with pytest.raises(PaymentInProgress):
        pay(shop, ada, order, "pm_card_visa")
    assert shop.app.apply_due_outcomes()() == 0  # not due yet
    shop.clock.advance(timedelta(seconds=2))
    assert shop.app.apply_due_outcomes()() == 1
    assert shop.app.apply_due_outcomes()() == 0
    assert order_of(shop, order).status is OrderStatus.PAID
    assert payments_of(shop, ada, order)[0].status is PaymentStatus.SUCCEEDED


def test_an_async_declined_card_fails_later_and_the_order_may_be_paid_again(
    shop: Shop, ada: Actor, dune: Book
) -> None:
    order = shop.order(ada, (dune, 1))
    pay(shop, ada, order, "pm_card_async_declined")
    shop.clock.advance(timedelta(seconds=3))
    shop.app.apply_due_outcomes()()
    failed = payments_of(shop, ada, order)[0]
    assert (failed.status, failed.decline_code) == (PaymentStatus.FAILED, "card_declined")
    assert order_of(shop, order).payment_status is OrderPaymentStatus.UNPAID


def test_cancelling_a_paid_order_refunds_it(shop: Shop, ada: Actor, dune: Book) -> None:
    order = shop.order(ada, (dune, 2))
    pay(shop, ada, order, "pm_card_visa")
    cancelled = shop.app.cancel_order()(CancelOrderCommand(ada, order.id))
    assert cancelled.payment_status is OrderPaymentStatus.REFUNDED
    assert payments_of(shop, ada, order)[0].status is PaymentStatus.REFUNDED
    assert shop.stock_of(dune.id) == 5


def test_an_admin_cancelling_an_order_paid_elsewhere_records_a_refund(
    shop: Shop, ada: Actor, dune: Book
) -> None:
    order = shop.order(ada, (dune, 1))
    admin = shop.root
    status = shop.app.change_order_status()
    paid = status(ChangeOrderStatusCommand(admin, order.id, OrderStatus.PAID))
    assert paid.payment_status is OrderPaymentStatus.PAID
    cancelled = status(ChangeOrderStatusCommand(admin, order.id, OrderStatus.CANCELLED))
    assert cancelled.payment_status is OrderPaymentStatus.REFUNDED


def test_success_after_a_cancel_leaves_the_order_cancelled_and_refunds(
    shop: Shop, ada: Actor, dune: Book
) -> None:
    order = shop.order(ada, (dune, 1))
    pay(shop, ada, order, "pm_card_async")
    shop.app.cancel_order()(CancelOrderCommand(ada, order.id))
    shop.clock.advance(timedelta(seconds=2))
    shop.app.apply_due_outcomes()()
    after = order_of(shop, order)
    assert (after.status, after.payment_status) == (
        OrderStatus.CANCELLED,
        OrderPaymentStatus.REFUNDED,
    )
    assert payments_of(shop, ada, order)[0].status is PaymentStatus.REFUNDED
    assert shop.stock_of(dune.id) == 5


def test_success_after_an_admin_marked_it_paid_refunds_the_payment_and_the_order_stays_paid(
    shop: Shop, ada: Actor, dune: Book
) -> None:
    order = shop.order(ada, (dune, 1))
    pay(shop, ada, order, "pm_card_async")
    shop.app.change_order_status()(ChangeOrderStatusCommand(shop.root, order.id, OrderStatus.PAID))
    shop.clock.advance(timedelta(seconds=2))
    shop.app.apply_due_outcomes()()
    after = order_of(shop, order)
    assert (after.status, after.payment_status) == (OrderStatus.PAID, OrderPaymentStatus.PAID)
    assert payments_of(shop, ada, order)[0].status is PaymentStatus.REFUNDED


def test_an_event_takes_effect_once(shop: Shop, ada: Actor, dune: Book) -> None:
    order = shop.order(ada, (dune, 1))
    payment = pay(shop, ada, order, "pm_card_async")
    apply = shop.app.apply_payment_event()
    event = event_for(payment, PaymentEventType.SUCCEEDED)
    assert apply(event) is True
    assert apply(event) is False
    assert order_of(shop, order).status is OrderStatus.PAID


def test_events_for_unknown_payments_change_nothing(shop: Shop, ada: Actor, dune: Book) -> None:
    order = shop.order(ada, (dune, 1))
    payment = pay(shop, ada, order, "pm_card_async")
    stranger = Payment(
        order.id,
        order.id,
        payment.status,
        payment.amount,
        "USD",
        "x",
        order.created_at,
        order.created_at,
    )
    assert shop.app.apply_payment_event()(event_for(stranger, PaymentEventType.SUCCEEDED)) is False
    assert order_of(shop, order).payment_status is OrderPaymentStatus.PROCESSING


def test_a_signed_webhook_is_applied_and_a_bad_signature_refused(
    shop: Shop, ada: Actor, dune: Book
) -> None:
    order = shop.order(ada, (dune, 1))
    payment = pay(shop, ada, order, "pm_card_async")
    body = encode_event(event_for(payment, PaymentEventType.SUCCEEDED))
    now = int(shop.clock.now().timestamp())
    receive = shop.app.receive_payment_webhook()
    wrong = sign(body, "another-secret-of-at-least-32-bytes!!", now)
    for header in (
        None,
        "",
        wrong,
        "t=abc,v1=00",
        sign(body, DEVELOPMENT_WEBHOOK_SECRET, now - 301),
    ):
        with pytest.raises(InvalidSignature):
            receive(WebhookDelivery(body, header))
    assert order_of(shop, order).status is OrderStatus.PLACED
    rolled = sign(body, DEVELOPMENT_WEBHOOK_SECRET, now) + ",v1=" + "0" * 64
    assert receive(WebhookDelivery(body, "v1=" + "f" * 64 + "," + rolled)) is True
    assert order_of(shop, order).status is OrderStatus.PAID


def test_a_retry_with_one_idempotency_key_charges_once(shop: Shop, ada: Actor, dune: Book) -> None:
    order = shop.order(ada, (dune, 1))
    first = pay(shop, ada, order, "pm_card_visa", key="k1")
    again = shop.app.pay_order()(PayOrderCommand(ada, order.id, "pm_card_visa", "k1", "body"))
    assert again.replayed
    assert again.payment.id == first.id
    assert len(payments_of(shop, ada, order)) == 1
    with pytest.raises(IdempotencyKeyMismatch):
        shop.app.pay_order()(PayOrderCommand(ada, order.id, "pm_card_visa", "k1", "other"))


def test_a_declined_attempt_frees_its_key(shop: Shop, ada: Actor, dune: Book) -> None:
    order = shop.order(ada, (dune, 1))
    with pytest.raises(PaymentDeclined):
        pay(shop, ada, order, "pm_card_declined", key="k1")
    assert pay(shop, ada, order, "pm_card_visa", key="k1").status is PaymentStatus.SUCCEEDED
    assert len(payments_of(shop, ada, order)) == 2


def test_unpaid_orders_expire_and_give_their_copies_back_once(
    shop: Shop, ada: Actor, dune: Book, emma: Book
) -> None:
    stale = shop.order(ada, (dune, 2))
    processing = shop.order(ada, (emma, 1))
    pay(shop, ada, processing, "pm_card_async")
    shop.clock.advance(timedelta(minutes=30))
    fresh = shop.order(ada, (dune, 1))
    shop.clock.advance(timedelta(minutes=31))
    expire = shop.app.expire_unpaid_orders()
    assert expire() == 1
    assert expire() == 0
    expired = order_of(shop, stale)
    assert expired.status is OrderStatus.CANCELLED
    assert expired.status_history[-1].actor is ActorKind.SYSTEM
    assert order_of(shop, processing).status is OrderStatus.PLACED
    assert order_of(shop, fresh).status is OrderStatus.PLACED
    assert shop.stock_of(dune.id) == 4
    assert shop.reconcile().balanced


def test_no_expiry_when_the_setting_is_zero(dune: Book) -> None:
    shop = Shop.open(unpaid_order_minutes=0)
    ada = shop.customer()
    book = shop.book(stock=3)
    shop.order(ada, (book, 1))
    shop.clock.advance(timedelta(days=30))
    assert shop.app.expire_unpaid_orders()() == 0
