"""Delivery to the real thing (§14): mail through an SMTP server on loopback, and webhooks
to an HTTP receiver on loopback that fails its first answers and checks every signature."""

from __future__ import annotations

import ssl
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from dependency_injector import providers
from events_support import Receiver, receiving, self_signed_certificate, smtp_server

from bookstore.adapters.clock import ManualClock
from bookstore.adapters.sql import upgrade_database
from bookstore.adapters.sql.backup import backup_database, restore_database
from bookstore.application.use_cases import (
    AddBookCommand,
    AddToCartCommand,
    ChangeOrderStatusCommand,
    CreateAdminCommand,
    PlaceOrderCommand,
    RegisterUserCommand,
)
from bookstore.application.use_cases.webhook_endpoints import CreateWebhookCommand
from bookstore.domain.book import BookDetails
from bookstore.domain.order import OrderStatus
from bookstore.domain.user import Actor
from bookstore.entrypoints.container import Container, create_container
from bookstore.entrypoints.settings import Settings


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    upgrade_database(url)
    return url


def open_store(url: str, **settings: Any) -> Container:
    store = create_container(Settings(database_url=url, bcrypt_rounds=4, **settings))
    return store


def shop_scene(store: Container) -> tuple[Actor, Actor, int]:
    admin = store.create_admin()(CreateAdminCommand("boss@example.com", "correct horse battery"))
    boss = Actor(admin.id, admin.role)
    details = BookDetails.parse(title="Dune", author="F. H.", genre="SF", price="12.50", stock=9)
    book = store.add_book()(AddBookCommand(boss, details))
    user = store.register_user()(RegisterUserCommand("ada@example.com", "correct horse battery"))
    return boss, Actor(user.id, user.role), book.id


def order(store: Container, customer: Actor, book_id: int, quantity: int = 1) -> str:
    store.add_to_cart()(AddToCartCommand(customer, book_id, quantity))
    return str(store.place_order()(PlaceOrderCommand(customer)).id)


def test_mail_goes_through_a_real_smtp_server_as_text_and_html(store_url: str) -> None:
    with smtp_server("shop", "s3cret pass") as (inbox, port):
        store = open_store(store_url, smtp_url=f"smtp://shop:s3cret%20pass@127.0.0.1:{port}")
        boss, ada, book_id = shop_scene(store)
        order_id = order(store, ada, book_id, 2)
        ship = ChangeOrderStatusCommand(boss, UUID(order_id), OrderStatus.PAID)
        store.change_order_status()(ship)
        store.change_order_status()(
            ChangeOrderStatusCommand(
                boss, ship.order_id, OrderStatus.SHIPPED, carrier="UPS", tracking_number="1Z999"
            )
        )
        assert store.deliver_events()() == 3
        store.shutdown_resources()

    assert inbox.logins == ["shop", "shop", "shop"]
    placed, paid, shipped = inbox.messages
    assert placed["To"] == "ada@example.com"
    assert placed.get_content_type() == "multipart/alternative"
    text = placed.get_body(("plain",))
    html = placed.get_body(("html",))
    assert text is not None
    assert html is not None
    assert order_id in text.get_content()
    assert "2 x Dune" in text.get_content()
    assert "25.00 USD" in text.get_content()
    assert "<td>Dune</td>" in html.get_content()
    assert "paid" in str(paid["Subject"]).lower() or "payment" in str(paid["Subject"]).lower()
    shipped_text = shipped.get_body(("plain",))
    assert shipped_text is not None
    assert "UPS" in shipped_text.get_content()
    assert "1Z999" in shipped_text.get_content()


def test_mail_upgrades_to_tls_with_starttls_before_logging_in(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = self_signed_certificate(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client trusts this server's certificate
    with smtp_server("shop", "pw", tls=server_tls) as (inbox, port):
        store = open_store(store_url, smtp_url=f"smtp://shop:pw@127.0.0.1:{port}?starttls=true")
        _, ada, book_id = shop_scene(store)
        order(store, ada, book_id)
        assert store.deliver_events()() == 1
        store.shutdown_resources()
    assert inbox.logins == ["shop"]
    (mail,) = inbox.messages
    assert mail["To"] == "ada@example.com"


def test_a_webhook_failing_at_first_is_retried_until_it_succeeds_signed(store_url: str) -> None:
    clock = ManualClock()
    with receiving(Receiver(failures=2, now=lambda: clock.now().timestamp())) as receiver:
        store = open_store(store_url)
        store.clock.override(providers.Object(clock))
        boss, ada, book_id = shop_scene(store)
        command = CreateWebhookCommand(boss, receiver.url, ["order.placed"])
        receiver.secret = store.create_webhook()(command).secret
        clock.advance(timedelta(seconds=1))
        order_id = order(store, ada, book_id)
        store.mailer.override(providers.Object(_Discard()))

        store.deliver_events()()
        assert receiver.answered == [500]
        store.deliver_events()()
        assert receiver.answered == [500]  # not due yet: it backs off
        clock.advance(timedelta(minutes=5))
        store.deliver_events()()
        clock.advance(timedelta(minutes=5))
        store.deliver_events()()
        store.shutdown_resources()

    assert receiver.answered == [500, 500, 200]
    assert receiver.bad_signatures == 0
    (event,) = receiver.received
    assert event["type"] == "order.placed"
    assert event["data"]["id"] == order_id
    assert set(event) == {"id", "type", "created", "data"}


class _Discard:
    def send(self, mail: object) -> None:
        pass


def test_a_restored_backup_does_not_send_again_what_was_delivered(
    store_url: str, tmp_path: Path
) -> None:
    with receiving(Receiver()) as receiver:
        store = open_store(store_url)
        boss, ada, book_id = shop_scene(store)
        receiver.secret = store.create_webhook()(
            CreateWebhookCommand(boss, receiver.url, ["order.placed"])
        ).secret
        time.sleep(0.01)
        order(store, ada, book_id)
        store.mailer.override(providers.Object(_Discard()))
        store.deliver_events()()
        order(store, ada, book_id)  # not delivered before the backup
        backup_database(store_url, tmp_path / "backup.db")
        store.shutdown_resources()

        restored_url = f"sqlite:///{tmp_path / 'restored.db'}"
        restore_database(restored_url, tmp_path / "backup.db")
        restored = open_store(restored_url)
        restored.mailer.override(providers.Object(_Discard()))
        restored.deliver_events()()
        restored.shutdown_resources()

    counts = receiver.counts()
    assert len(counts) == 2
    assert set(counts.values()) == {1}  # the first order's event was not sent again
