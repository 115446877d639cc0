"""`bookstore orders expire` and `bookstore worker`: the periodic jobs from the console."""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from cli_support import Cli
from sqlalchemy import update

from bookstore.adapters.sql.tables import orders
from bookstore.application.use_cases import (
    AddBookCommand,
    AddToCartCommand,
    PlaceOrderCommand,
    RegisterUserCommand,
)
from bookstore.application.use_cases.get_order import GetOrderCommand
from bookstore.application.use_cases.pay_order import PayOrderCommand
from bookstore.domain.book import BookDetails
from bookstore.domain.order import Order
from bookstore.domain.user import Actor, Role
from bookstore.entrypoints.container import Container

pytestmark = pytest.mark.slow

ADMIN = Actor(UUID(int=1), Role.ADMIN)


def placed_order(store: Container, email: str, age: timedelta) -> Order:
    details = BookDetails.parse(title="T", author="A", genre="G", price="1.00", stock=5)
    book = store.add_book()(AddBookCommand(ADMIN, details))
    user = store.register_user()(RegisterUserCommand(email, "correct horse battery"))
    actor = Actor(user.id, user.role)
    store.add_to_cart()(AddToCartCommand(actor, book.id, 2))
    order = store.place_order()(PlaceOrderCommand(actor))
    engine = store.uow().engine
    with engine.begin() as conn:
        created = datetime.now(UTC) - age
        conn.execute(update(orders).where(orders.c.id == order.id).values(created_at=created))
    return order


def test_orders_expire_cancels_stale_unpaid_orders_once(cli: Cli, store: Container) -> None:
    assert cli.run("db", "upgrade").returncode == 0
    stale = placed_order(store, "stale@example.com", timedelta(minutes=61))
    placed_order(store, "fresh@example.com", timedelta(minutes=5))

    first, second = cli.run("orders", "expire"), cli.run("orders", "expire")

    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "Expired 1 unpaid order."
    assert second.stdout.strip() == "Expired 0 unpaid orders."
    assert store.get_order()(_get(stale)).status.value == "cancelled"
    assert store.reconcile_inventory()(ADMIN).balanced


def test_the_worker_applies_delayed_outcomes_and_stops_on_sigterm(
    cli: Cli, store: Container
) -> None:
    assert cli.run("db", "upgrade").returncode == 0
    order = placed_order(store, "async@example.com", timedelta(0))
    owner = Actor(order.user_id, Role.CUSTOMER)
    env = cli.env()
    store.pay_order()(PayOrderCommand(owner, order.id, "pm_card_async"))  # due in 2 s
    workers = [
        subprocess.Popen(
            cli.command("worker"), env=env, cwd=cli.workdir, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    try:
        for process in workers:
            assert process.stderr is not None
            while "Worker started." not in process.stderr.readline():
                assert process.poll() is None, "a worker exited early"
        deadline = time.monotonic() + 20
        while store.get_order()(_get(order)).status.value != "paid":
            assert time.monotonic() < deadline, "the workers never applied the outcome"
            time.sleep(0.1)
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(timeout=15) for process in workers]
        for process in workers:
            assert process.stderr is not None
            process.stderr.close()
    assert codes == [0, 0]
    paid = store.get_order()(_get(order))
    assert [entry.status.value for entry in paid.status_history] == ["placed", "paid"]


def _get(order: Order) -> GetOrderCommand:
    return GetOrderCommand(ADMIN, order.id)
