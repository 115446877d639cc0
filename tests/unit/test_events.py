"""The outbox (§14): every change writes its event in its own transaction, and the worker's
job turns events into e-mail and webhooks, retried with backoff until they succeed or die."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from bookstore.adapters.mail.smtp import SmtpServer
from bookstore.adapters.webhooks import PublicDestinations
from bookstore.application.use_cases import (
    AdjustStockCommand,
    CancelOrderCommand,
    ChangeOrderStatusCommand,
    GetOrderCommand,
)
from bookstore.application.use_cases.pay_order import PayOrderCommand
from bookstore.application.use_cases.waitlist import WaitlistCommand
from bookstore.application.use_cases.webhook_deliveries import (
    ListDeliveriesCommand,
    RetryDeliveryCommand,
)
from bookstore.application.use_cases.webhook_endpoints import (
    CreateWebhookCommand,
    UpdateWebhookCommand,
)
from bookstore.domain.errors import InvalidInput, InvalidTransition
from bookstore.domain.events import AlreadyDelivered, DeliveryStatus, backoff
from bookstore.domain.order import OrderStatus
from bookstore.domain.payment import PaymentDeclined
from bookstore.entrypoints.settings import SettingsError, load_settings

from .support import Shop


def webhook(shop: Shop, *events: str, url: str = "https://hooks.example.com/in") -> str:
    command = CreateWebhookCommand(shop.root, url, list(events))
    return str(shop.app.create_webhook()(command).id)


def test_placing_an_order_writes_order_placed_with_the_order_as_the_api_shows_it() -> None:
    shop = Shop.open()
    ada = shop.customer()
    order = shop.order(ada, (shop.book("Dune", stock=10), 2))

    (event,) = shop.events("order.placed")
    shown = shop.app.get_order()(GetOrderCommand(ada, order.id))
    assert event.data == shop.app.snapshots().order(shown)
    assert event.data["items"][0]["title"] == "Dune"
    assert event.data["status"] == "placed"
    assert event.notify == (ada.user_id,)


def test_every_transition_writes_its_event_and_a_refused_one_writes_none() -> None:
    shop = Shop.open()
    ada = shop.customer()
    order = shop.order(ada, (shop.book(), 1))
    change = shop.app.change_order_status()
    for status in (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        change(
            ChangeOrderStatusCommand(
                shop.root,
                order.id,
                status,
                carrier="UPS" if status is OrderStatus.SHIPPED else None,
            )
        )
    with pytest.raises(InvalidTransition):
        shop.app.cancel_order()(CancelOrderCommand(ada, order.id))

    types = [e.type.value for e in shop.events() if e.type.startswith("order.")]
    assert types == ["order.placed", "order.paid", "order.shipped", "order.delivered"]
    shipped = shop.events("order.shipped")[0]
    assert shipped.data["shipment"]["carrier"] == "UPS"
    assert shipped.data["status"] == "shipped"


def test_a_declined_payment_writes_payment_failed_with_the_payment() -> None:
    shop = Shop.open()
    ada = shop.customer()
    order = shop.order(ada, (shop.book(), 1))
    with pytest.raises(PaymentDeclined):
        shop.app.pay_order()(PayOrderCommand(ada, order.id, "pm_card_declined", None, ""))

    (event,) = shop.events("payment.failed")
    assert event.data["order_id"] == str(order.id)
    assert event.data["status"] == "failed"
    assert event.data["decline_code"] == "card_declined"


def test_stock_falling_to_its_threshold_and_coming_back_are_events_but_a_new_book_is_not() -> None:
    shop = Shop.open()
    ada = shop.customer()
    book = shop.book(stock=6)  # the default threshold is 5
    assert shop.events() == []

    shop.order(ada, (book, 1))  # 6 -> 5: at the threshold
    shop.order(ada, (book, 5))  # 5 -> 0: already low, no second event
    shop.app.adjust_stock()(AdjustStockCommand(shop.root, book.id, 3, "delivery"))

    assert [e.type.value for e in shop.events() if e.type.startswith("book.")] == [
        "book.low_stock",
        "book.back_in_stock",
    ]
    assert shop.events("book.back_in_stock")[0].data["stock"] == 3


def test_a_cancellation_that_brings_a_sold_out_book_back_announces_it() -> None:
    shop = Shop.open()
    ada = shop.customer()
    book = shop.book(stock=6)
    order = shop.order(ada, (book, 6))
    shop.app.cancel_order()(CancelOrderCommand(ada, order.id))
    assert [e.type.value for e in shop.events()] == [
        "order.placed",
        "book.low_stock",
        "book.back_in_stock",
        "order.cancelled",
    ]


def test_the_worker_mails_the_customer_and_posts_to_the_endpoints_that_asked() -> None:
    shop = Shop.open()
    webhook(shop, "order.placed")
    webhook(shop, "order.paid")
    ada = shop.customer("ada@example.com")
    order = shop.order(ada, (shop.book("Dune", price="12.50"), 2))

    assert shop.app.deliver_events()() == 2

    (mail,) = shop.mailer.sent
    assert mail.to == "ada@example.com"
    assert str(order.id) in mail.text
    assert "2 x Dune" in mail.text
    assert "25.00" in mail.text
    assert "<td>Dune</td>" in mail.html
    (post,) = shop.webhooks.posts
    assert post[1]["type"] == "order.placed"
    assert post[1]["data"]["id"] == str(order.id)
    assert shop.app.deliver_events()() == 0  # nothing twice


def test_an_endpoint_receives_only_the_events_after_it() -> None:
    shop = Shop.open()
    ada = shop.customer()
    shop.order(ada, (shop.book(), 1))
    shop.clock.advance(timedelta(seconds=1))
    webhook(shop, "order.placed")
    shop.order(ada, (shop.book(), 1))
    shop.app.deliver_events()()
    assert len(shop.webhooks.posts) == 1


def test_a_failed_webhook_is_retried_with_backoff_then_dead_and_can_be_retried_by_hand() -> None:
    shop = Shop.open(webhook_max_attempts=3)
    endpoint = webhook(shop, "order.placed")
    shop.webhooks.answers = [500, 503, 500, 200]
    shop.order(shop.customer(), (shop.book(), 1))
    deliveries = shop.app.list_deliveries()
    listed = ListDeliveriesCommand(shop.root, UUID(endpoint))

    shop.app.deliver_events()()
    (first,) = deliveries(listed).items
    assert (first.status, first.attempts, first.last_status_code) == (DeliveryStatus.FAILED, 1, 500)
    assert shop.app.deliver_events()() == 0  # not due yet
    for _ in range(2):
        shop.clock.advance(timedelta(hours=1))
        shop.app.deliver_events()()
    (dead,) = deliveries(listed).items
    assert (dead.status, dead.attempts, dead.last_error) == (DeliveryStatus.DEAD, 3, "HTTP 500")

    shop.clock.advance(timedelta(hours=2))
    assert shop.app.deliver_events()() == 0  # dead stays dead
    shop.app.retry_delivery()(RetryDeliveryCommand(shop.root, dead.id))
    assert shop.app.deliver_events()() == 1
    with pytest.raises(AlreadyDelivered):
        shop.app.retry_delivery()(RetryDeliveryCommand(shop.root, dead.id))
    assert len(shop.webhooks.posts) == 4


def test_a_failed_mail_is_retried_like_a_webhook() -> None:
    shop = Shop.open()
    shop.mailer.failures = 1
    shop.order(shop.customer(), (shop.book(), 1))
    assert shop.app.deliver_events()() == 0
    shop.clock.advance(timedelta(seconds=10))
    assert shop.app.deliver_events()() == 1
    assert len(shop.mailer.sent) == 1


def test_backoff_doubles_with_jitter_and_never_exceeds_an_hour() -> None:
    for attempts in range(1, 12):
        wait = backoff(attempts).total_seconds()
        assert 0.75 * min(2**attempts, 3600) <= wait <= min(1.25 * 2**attempts, 3600)


def test_waiting_customers_are_mailed_in_the_order_they_joined_when_the_book_returns() -> None:
    shop = Shop.open()
    book = shop.book("Dune", stock=0)
    first, second = shop.customer("first@example.com"), shop.customer("second@example.com")
    join = shop.app.join_waitlist()
    assert join(WaitlistCommand(second, book.id)) is True
    assert join(WaitlistCommand(first, book.id)) is True
    assert join(WaitlistCommand(second, book.id)) is False  # once

    shop.app.adjust_stock()(AdjustStockCommand(shop.root, book.id, 2, "delivery"))
    shop.app.deliver_events()()

    assert [m.to for m in shop.mailer.sent] == ["second@example.com", "first@example.com"]
    assert "Dune" in shop.mailer.sent[0].subject
    assert shop.storage.state.waitlist == {}


def test_a_book_in_stock_has_no_waiting_list() -> None:
    shop = Shop.open()
    book = shop.book(stock=1)
    with pytest.raises(Exception, match="in stock") as refused:
        shop.app.join_waitlist()(WaitlistCommand(shop.customer(), book.id))
    assert getattr(refused.value, "code", None) == "in-stock"


def test_a_webhook_needs_an_http_url_and_known_event_types() -> None:
    shop = Shop.open()
    with pytest.raises(InvalidInput) as refused:
        shop.app.create_webhook()(CreateWebhookCommand(shop.root, "ftp://x", ["order.lost"]))
    assert {e.field for e in refused.value.errors} == {"url", "events"}


def test_pruning_deletes_delivered_events_older_than_30_days_only() -> None:
    shop = Shop.open()
    shop.mailer.failures = 1
    shop.order(shop.customer(), (shop.book(), 1))  # its mail fails once: still owed
    shop.app.deliver_events()()
    shop.clock.advance(timedelta(days=31))
    assert dict(shop.app.prune_expired()().counts)["delivered_events"] == 0
    shop.app.deliver_events()()
    assert dict(shop.app.prune_expired()().counts)["delivered_events"] == 1
    assert shop.events() == []


def test_a_worker_told_to_stop_gives_back_the_deliveries_it_has_not_tried() -> None:
    shop = Shop.open()
    webhook(shop, "order.placed")
    for _ in range(3):
        shop.order(shop.customer(), (shop.book(), 1))
    deliver = shop.app.deliver_events()
    sender = shop.webhooks
    sent = sender.post

    def post_then_stop(*args: Any) -> int:
        deliver.stop()  # SIGTERM arrives during the first post
        return sent(*args)

    sender.post = post_then_stop  # type: ignore[method-assign]
    deliver()

    assert len(sender.posts) == 1
    assert shop.storage.state.claims == {}  # the untried ones are free for the next worker
    pending = [d for d in shop.storage.state.deliveries.values() if d.status == "pending"]
    assert len(pending) == 5  # 2 webhooks and 3 mails, untried


def test_the_smtp_url_is_checked_at_start_without_showing_its_password() -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"BOOKSTORE_SMTP_URL": "http://user:hunter2@mail.example.com"}, None)
    assert "BOOKSTORE_SMTP_URL" in str(refused.value)
    assert "hunter2" not in str(refused.value)

    server = SmtpServer.parse("smtp://shop%40x.com:p%40ss@mail.example.com?starttls=true")
    assert (server.host, server.port, server.starttls, server.tls) == (
        "mail.example.com",
        587,
        True,
        False,
    )
    assert (server.username, server.password) == ("shop@x.com", "p@ss")
    assert SmtpServer.parse("smtps://mail.example.com").port == 465


def test_an_inactive_endpoint_receives_nothing_until_it_is_active_again() -> None:
    shop = Shop.open()
    endpoint = UUID(webhook(shop, "order.placed"))
    pause = shop.app.update_webhook()
    shop.order(shop.customer(), (shop.book(), 1))
    shop.app.deliver_events().fan_out()  # its delivery is owed...
    pause(UpdateWebhookCommand(shop.root, endpoint, active=False))
    shop.order(shop.customer(), (shop.book(), 1))  # ...this event's is never made
    shop.app.deliver_events()()
    assert shop.webhooks.posts == []

    pause(UpdateWebhookCommand(shop.root, endpoint, active=True))
    shop.app.deliver_events()()
    assert len(shop.webhooks.posts) == 1


def test_a_round_gives_back_what_its_claim_has_no_time_left_to_try() -> None:
    shop = Shop.open(event_claim_seconds=120)
    for _ in range(3):
        shop.order(shop.customer(), (shop.book(), 1))
    mailer, clock = shop.mailer, shop.clock
    send = mailer.send

    def slow_send(mail: Any) -> None:
        clock.advance(timedelta(seconds=35))  # each mail takes 35 s of the 120 s claim
        send(mail)

    mailer.send = slow_send  # type: ignore[method-assign]
    assert shop.app.deliver_events()() == 2  # a third would start with 50 s left, under 60
    assert shop.storage.state.claims == {}
    assert shop.app.deliver_events()() == 1


def test_production_refuses_webhook_hosts_that_resolve_to_private_addresses() -> None:
    guard = PublicDestinations(allow_private=False)
    for url in ("http://localhost:8000/in", "http://192.168.1.10/in", "http://[::1]/in"):
        with pytest.raises(InvalidInput):
            guard.check(url)
    PublicDestinations(allow_private=True).check("http://localhost:8000/in")
    guard.check("http://8.8.8.8/in")  # a public address (no lookup needed for a literal)
