"""Another process holds a lock past the lock timeout.

SQLite: writes wait for the write lock up to `busy_timeout` (5 s), then answer a 503 problem
with `Retry-After`, not a hang or a 500; reads keep answering from the write-ahead log; once
the lock is released, writes succeed again without a restart.

PostgreSQL: a table that DDL holds (a migration run while serving) makes a read wait up to
`lock_timeout` (5 s), then a 503 problem, not a server stalled for as long as the DDL lasts.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import httpx
import psycopg
import pytest
from resilience_support import PASSWORD, PROBLEM_JSON, is_problem, seed, serving
from sqlalchemy.engine import make_url

from bookstore.adapters.sql import upgrade_database

pytestmark = pytest.mark.slow

BUSY_TIMEOUT_SECONDS = 5.0
SLACK_SECONDS = 3.0


def test_a_write_lock_held_elsewhere_is_a_503_for_writes_and_nothing_for_reads(
    sqlite_url: str, tmp_path: Path
) -> None:
    upgrade_database(sqlite_url)
    store = seed(sqlite_url, [5, 5], customers=1)
    first, second = store.book_ids

    with (
        serving(sqlite_url, tmp_path, workers=1) as server,
        httpx.Client(base_url=server.base, timeout=3 * BUSY_TIMEOUT_SECONDS) as http,
    ):
        login = {"email": store.emails[0], "password": PASSWORD}
        token = http.post("/api/auth/login", json=login).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        added = http.post("/api/cart/items", json={"book_id": first}, headers=auth)
        assert added.status_code == 200, added.text

        holder = sqlite3.connect(str(make_url(sqlite_url).database), isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")  # the write lock, until rolled back
            started = time.monotonic()
            write = http.post("/api/cart/items", json={"book_id": second}, headers=auth)
            waited = time.monotonic() - started
            read = http.get(f"/api/books/{first}")
            cart = http.get("/api/cart", headers=auth)
        finally:
            holder.rollback()
            holder.close()

        assert write.status_code == 503, write.text
        assert write.headers["content-type"].startswith(PROBLEM_JSON)
        assert is_problem(write, "service-unavailable"), write.text
        assert int(write.headers["Retry-After"]) >= 1
        assert waited < BUSY_TIMEOUT_SECONDS + SLACK_SECONDS, f"the write took {waited:.1f} s"
        assert read.status_code == 200, read.text
        assert cart.status_code == 200, cart.text
        assert [line["book_id"] for line in cart.json()["items"]] == [first]

        again = http.post("/api/cart/items", json={"book_id": second}, headers=auth)
        assert again.status_code == 200, again.text
        assert [line["book_id"] for line in again.json()["items"]] == [first, second]

    assert " 500 " not in server.logs(last=100_000)


@pytest.mark.postgres
def test_a_table_held_by_ddl_elsewhere_is_a_503_for_reads_after_the_lock_timeout(
    postgres_url: str, tmp_path: Path
) -> None:
    upgrade_database(postgres_url)
    store = seed(postgres_url, [5], customers=0)
    (book,) = store.book_ids

    with (
        serving(postgres_url, tmp_path, workers=1) as server,
        httpx.Client(base_url=server.base, timeout=3 * BUSY_TIMEOUT_SECONDS) as http,
        psycopg.connect(postgres_url.replace("+psycopg", "", 1)) as holder,
    ):
        assert http.get(f"/api/books/{book}").status_code == 200
        holder.execute("LOCK TABLE books IN ACCESS EXCLUSIVE MODE")  # until rolled back
        started = time.monotonic()
        read = http.get(f"/api/books/{book}")
        waited = time.monotonic() - started
        holder.rollback()

        assert read.status_code == 503, read.text
        assert is_problem(read, "service-unavailable"), read.text
        assert int(read.headers["Retry-After"]) >= 1
        assert BUSY_TIMEOUT_SECONDS - 1 < waited < BUSY_TIMEOUT_SECONDS + SLACK_SECONDS, waited
        again = http.get(f"/api/books/{book}")
        assert again.status_code == 200, again.text
        assert again.json()["stock"] == 5

    assert " 500 " not in server.logs(last=100_000)
