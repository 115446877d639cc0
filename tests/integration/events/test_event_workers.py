"""Workers as real processes (§14): one killed with SIGKILL in the middle of a batch loses no
event, and two on one PostgreSQL database deliver each event exactly once between them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from events_support import Receiver, receiving
from postgres_support import create_postgres_database, drop_postgres_database, postgres_server_url

from bookstore.adapters.sql import upgrade_database
from bookstore.application.use_cases import (
    AddBookCommand,
    AddToCartCommand,
    CreateAdminCommand,
    PlaceOrderCommand,
    RegisterUserCommand,
)
from bookstore.application.use_cases.webhook_endpoints import CreateWebhookCommand
from bookstore.domain.book import BookDetails
from bookstore.domain.user import Actor
from bookstore.entrypoints.container import create_container
from bookstore.entrypoints.settings import Settings

pytestmark = pytest.mark.slow

CLAIM_SECONDS = "2"


def events_for(url: str, receiver: Receiver, orders: int) -> set[str]:
    """A webhook endpoint at the receiver for `order.placed`, then that many orders; the ids
    of their events."""
    store = create_container(Settings(database_url=url, bcrypt_rounds=4))
    try:
        admin = store.create_admin()(CreateAdminCommand("boss@example.com", "correct horse 1"))
        boss = Actor(admin.id, admin.role)
        hook = CreateWebhookCommand(boss, receiver.url, ["order.placed"])
        receiver.secret = store.create_webhook()(hook).secret
        time.sleep(0.01)  # events strictly after the endpoint, on any clock resolution
        details = BookDetails.parse(title="T", author="A", genre="G", price="1.00", stock=1000)
        book = store.add_book()(AddBookCommand(boss, details))
        user = store.register_user()(RegisterUserCommand("ada@example.com", "correct horse 1"))
        ada = Actor(user.id, user.role)
        for _ in range(orders):
            store.add_to_cart()(AddToCartCommand(ada, book.id, 1))
            store.place_order()(PlaceOrderCommand(ada))
        with store.uow()(read_only=True) as uow:
            placed = [e for e in uow.deliveries.undispatched(1000) if e.type == "order.placed"]
        return {str(e.id) for e in placed}
    finally:
        store.shutdown_resources()


@contextmanager
def worker(url: str, workdir: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`bookstore worker` in a process group of its own, stopped (SIGTERM) at the end."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKSTORE_")}
    env |= {
        "BOOKSTORE_DATABASE_URL": url,
        "BOOKSTORE_MAIL_DIR": str(workdir / "mail"),
        "BOOKSTORE_EVENT_CLAIM_SECONDS": CLAIM_SECONDS,
        "BOOKSTORE_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "bookstore.entrypoints.cli", "worker"]
    process = subprocess.Popen(
        command, cwd=workdir, env=env, start_new_session=True, stderr=subprocess.DEVNULL
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def wait_until(condition: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.02)
    raise AssertionError("timed out")


def test_a_worker_killed_mid_batch_loses_no_event(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade_database(url)
    with receiving(Receiver(delay=0.1)) as receiver:
        ids = events_for(url, receiver, 12)
        with worker(url, tmp_path) as doomed:
            wait_until(lambda: len(receiver.counts()) >= 3)
            os.killpg(doomed.pid, signal.SIGKILL)  # in the middle of its batch of 12
            doomed.wait(timeout=10)
        assert len(receiver.counts()) < len(ids)  # it did die mid-batch

        with worker(url, tmp_path):  # its claims run out after 2 s: the next worker retakes them
            assert receiver.wait_for(ids)

    counts = receiver.counts()
    assert set(counts) == ids
    assert sum(counts.values()) - len(ids) <= 1  # at most the one in flight, sent again
    assert receiver.bad_signatures == 0


@pytest.mark.postgres
def test_two_workers_on_one_postgresql_database_deliver_each_event_once(tmp_path: Path) -> None:
    database = create_postgres_database(postgres_server_url())
    try:
        upgrade_database(database.url)
        with receiving(Receiver(delay=0.02)) as receiver:
            ids = events_for(database.url, receiver, 30)
            with worker(database.url, tmp_path), worker(database.url, tmp_path):
                assert receiver.wait_for(ids)
                time.sleep(0.5)  # a second delivery, were there one, would land meanwhile
        counts = receiver.counts()
        assert set(counts) == ids
        assert set(counts.values()) == {1}
    finally:
        drop_postgres_database(database)
