"""The restore drill (§16): serve, place orders from several clients, back up in the middle,
restore into a fresh database, and audit it: every order acknowledged before the backup
began is there, and every book's stock equals the sum of its movements (and what it started
with less what was sold). Then the refusals: a database holding data, a missing pg_dump."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from live_server import run, serving, sqlite_env
from postgres_support import (
    create_postgres_database,
    drop_postgres_database,
    postgres_server_url,
)
from sqlalchemy import create_engine, func, select

from bookstore.adapters.sql.tables import books, order_lines, orders

pytestmark = pytest.mark.slow

CLIENTS = 4
STOCK = 100_000
BOOKS = 5
ORDERING_BEFORE_BACKUP = 1.5
ORDERING_AFTER_BACKUP = 1.0


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The live store's database URL and an empty one to restore into."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'live.db'}", f"sqlite:///{tmp_path / 'restored.db'}"
        return
    server = postgres_server_url()
    live, restored = create_postgres_database(server), create_postgres_database(server)
    try:
        yield live.url, restored.url
    finally:
        drop_postgres_database(live)
        drop_postgres_database(restored)


class Shoppers:
    """Customers placing one-copy orders as fast as the server answers, each on a thread;
    every acknowledged order is noted with the moment its 201 arrived."""

    def __init__(self, base: str, book_ids: list[int]) -> None:
        self._base = base
        self._book_ids = book_ids
        self._stop = threading.Event()
        self.acknowledged: list[tuple[str, float]] = []
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._shop, args=(n,)) for n in range(CLIENTS)]
        self.failures: list[str] = []

    def __enter__(self) -> Shoppers:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _shop(self, n: int) -> None:
        with httpx.Client(base_url=self._base, timeout=30) as client:
            email = f"drill{n}@example.com"
            body = {"email": email, "password": "correct horse battery"}
            client.post("/api/auth/register", json=body).raise_for_status()
            token = client.post("/api/auth/login", json=body).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            turn = 0
            while not self._stop.is_set():
                book_id = self._book_ids[(n + turn) % len(self._book_ids)]
                turn += 1
                item = {"book_id": book_id, "quantity": 1}
                client.post("/api/cart/items", json=item, headers=headers).raise_for_status()
                placed = client.post("/api/orders", headers=headers)
                if placed.status_code != 201:
                    self.failures.append(placed.text)
                    continue
                with self._lock:
                    self.acknowledged.append((placed.json()["id"], time.monotonic()))


def test_a_backup_taken_while_orders_land_restores_every_acknowledged_order(
    tmp_path: Path, databases: tuple[str, str]
) -> None:
    live_url, restored_url = databases
    env = sqlite_env(tmp_path, BOOKSTORE_DATABASE_URL=live_url, BOOKSTORE_RATE_LIMITS="off")
    catalogue = tmp_path / "books.csv"
    rows = "".join(f"Drill book {n},A,G,1.00,{STOCK}\n" for n in range(BOOKS))
    catalogue.write_text("title,author,genre,price,stock\n" + rows)
    assert run(tmp_path, env, "import-books", str(catalogue)).returncode == 0
    backup = tmp_path / "drill.backup"

    with serving(tmp_path, env) as base:
        book_ids = [b["id"] for b in httpx.get(f"{base}/api/books").json()["items"]]
        with Shoppers(base, book_ids) as shoppers:
            time.sleep(ORDERING_BEFORE_BACKUP)
            began = time.monotonic()
            backed_up = run(tmp_path, env, "db", "backup", str(backup))
            time.sleep(ORDERING_AFTER_BACKUP)
        assert backed_up.returncode == 0, backed_up.stderr
        assert not shoppers.failures, shoppers.failures[:3]

    restore_env = env | {"BOOKSTORE_DATABASE_URL": restored_url}
    restored = run(tmp_path, restore_env, "db", "restore", str(backup))
    assert restored.returncode == 0, restored.stderr

    before_backup = {order_id for order_id, at in shoppers.acknowledged if at < began}
    assert len(before_backup) >= CLIENTS  # the drill proves something only with orders
    assert len(shoppers.acknowledged) > len(before_backup)  # and orders went on during it
    in_restored = _orders_of(restored_url)
    assert before_backup <= in_restored, len(before_backup - in_restored)
    assert len(in_restored) <= len(shoppers.acknowledged)
    reconcile = run(tmp_path, restore_env, "inventory", "reconcile")
    assert reconcile.returncode == 0, reconcile.stdout + reconcile.stderr
    assert _stock_plus_sold(restored_url) == {book_id: STOCK for book_id in book_ids}


def _orders_of(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {str(order_id) for order_id in conn.scalars(select(orders.c.id))}
    finally:
        engine.dispose()


def _stock_plus_sold(url: str) -> dict[int, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            sold: dict[int, Any] = dict(
                conn.execute(
                    select(order_lines.c.book_id, func.sum(order_lines.c.quantity)).group_by(
                        order_lines.c.book_id
                    )
                ).all()
            )
            return {
                book_id: stock + int(sold.get(book_id, 0))
                for book_id, stock in conn.execute(select(books.c.id, books.c.stock))
            }
    finally:
        engine.dispose()


def test_restore_refuses_a_database_that_holds_data_unless_forced(tmp_path: Path) -> None:
    env = sqlite_env(tmp_path)
    catalogue = tmp_path / "books.csv"
    catalogue.write_text("title,author,genre,price,stock\nDune,F,SF,1.00,1\n")
    assert run(tmp_path, env, "import-books", str(catalogue)).returncode == 0
    assert run(tmp_path, env, "db", "backup", "copy.db").returncode == 0

    refused = run(tmp_path, env, "db", "restore", "copy.db")
    assert refused.returncode == 1
    assert "the database holds data" in refused.stderr
    assert "Traceback" not in refused.stderr

    forced = run(tmp_path, env, "db", "restore", "copy.db", "--force")
    assert forced.returncode == 0, forced.stderr

    empty = env | {"BOOKSTORE_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    assert run(tmp_path, empty, "db", "upgrade").returncode == 0  # the schema with no rows
    assert run(tmp_path, empty, "db", "restore", "copy.db").returncode == 0
    exported = run(tmp_path, empty, "export-books", "-")
    assert "Dune" in exported.stdout


def test_a_file_that_is_not_a_backup_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a database " * 100)

    result = run(tmp_path, sqlite_env(tmp_path), "db", "restore", "notes.txt")

    assert result.returncode == 1
    assert "is not a SQLite backup" in result.stderr


def test_without_pg_dump_on_path_the_backup_says_what_to_install(tmp_path: Path) -> None:
    env = sqlite_env(
        tmp_path,
        BOOKSTORE_DATABASE_URL="postgresql+psycopg://nobody:pw@127.0.0.1:1/x",
    ) | {"PATH": str(tmp_path)}

    result = run(tmp_path, env, "db", "backup", "x.dump")

    assert result.returncode == 1
    assert "pg_dump is not on PATH" in result.stderr
    assert "pw" not in result.stderr
