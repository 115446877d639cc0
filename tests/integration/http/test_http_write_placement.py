"""Where the hot writes run: on the event loop while SQLite's write lock is free, on a worker
thread when somebody holds it (or on any other store), and either way they commit."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from typing import Any

import pytest
from dependency_injector import providers
from http_support import Api, Session
from sqlalchemy.engine import make_url


class _Recording:
    """Wraps a use case; notes for each call whether it ran on an event loop's thread and
    how it ended."""

    def __init__(self, use_case: Any) -> None:
        self._use_case = use_case
        self.retry_when_busy = use_case.retry_when_busy
        self.calls: list[tuple[bool, str]] = []

    def __call__(self, command: Any) -> Any:
        on_loop = _on_loop()
        try:
            result = self._use_case(command)
        except Exception as error:
            self.calls.append((on_loop, type(error).__name__))
            raise
        self.calls.append((on_loop, "done"))
        return result


def _on_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _record(api: Api, name: str) -> _Recording:
    provider = getattr(api.container, name)
    recording = _Recording(provider())
    provider.override(providers.Object(recording))
    return recording


def _stock(api: Api, book_id: int) -> int:
    response = api.client.get(f"/api/books/{book_id}")
    assert response.status_code == 200, response.text
    stock: int = response.json()["stock"]
    return stock


def test_a_cart_and_an_order_are_written_where_the_store_says(
    api: Api, admin: Session, customer: Session
) -> None:
    book = api.add_book(admin, stock=3)
    add_to_cart, place_order = _record(api, "add_to_cart"), _record(api, "place_order")
    on_loop = api.container.settings().database_url.startswith("sqlite:")

    api.fill_cart(customer, book["id"], 2)
    response = api.client.post("/api/orders", headers=customer.headers)

    assert response.status_code == 201, response.text
    assert add_to_cart.calls == [(on_loop, "done")]
    assert place_order.calls == [(on_loop, "done")]
    assert _stock(api, book["id"]) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_order_waits_on_a_worker_thread_while_another_process_writes(
    api: Api, admin: Session, customer: Session
) -> None:
    url = api.container.settings().database_url
    book = api.add_book(admin, stock=3)
    api.fill_cart(customer, book["id"], 2)
    place_order = _record(api, "place_order")
    other = sqlite3.connect(make_url(url).database or "", check_same_thread=False)
    other.isolation_level = None
    try:
        other.execute("BEGIN IMMEDIATE")  # another server process, mid-transaction
        threading.Timer(0.3, other.execute, ("ROLLBACK",)).start()

        response = api.client.post("/api/orders", headers=customer.headers)
    finally:
        other.close()

    assert response.status_code == 201, response.text
    # Tried on the loop, refused before it did anything; then done on a thread, after waiting.
    assert place_order.calls == [(True, "WriterBusy"), (False, "done")]
    assert _stock(api, book["id"]) == 1
    cart = api.client.get("/api/cart", headers=customer.headers).json()
    assert cart["items"] == []
