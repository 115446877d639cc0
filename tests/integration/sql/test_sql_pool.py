"""Pool sizing: `BOOKSTORE_DB_POOL_SIZE` and `BOOKSTORE_DB_MAX_OVERFLOW` bound the PostgreSQL
connections one process opens, however many threads want one at once."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import psycopg
import pytest
from postgres_support import psycopg_url
from sqlalchemy.engine import make_url

from bookstore.domain.errors import NotFound
from bookstore.entrypoints.container import create_container
from bookstore.entrypoints.settings import Settings, load_settings

pytestmark = pytest.mark.postgres

THREADS = 12


def _our_connections(watcher: psycopg.Connection[tuple[int]]) -> int:
    """Connections to the server that this process's engine opened (named by our pid)."""
    row = watcher.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
        (f"bookstore {os.getpid()}",),
    ).fetchone()
    assert row is not None
    return row[0]


def _driver_url(url: str) -> str:
    return make_url(psycopg_url(url)).set(drivername="postgresql").render_as_string(False)


def test_the_pool_settings_are_read_from_the_environment() -> None:
    settings = load_settings(
        {"BOOKSTORE_DB_POOL_SIZE": "3", "BOOKSTORE_DB_MAX_OVERFLOW": "0"}, env_file=None
    )

    assert (settings.db_pool_size, settings.db_max_overflow) == (3, 0)
    assert (Settings().db_pool_size, Settings().db_max_overflow) == (5, 10)


def test_a_process_never_opens_more_than_pool_size_plus_overflow(postgres_url: str) -> None:
    store = create_container(Settings(database_url=postgres_url, db_pool_size=2, db_max_overflow=1))
    get_book, uow = store.get_book(), store.uow()
    done = threading.Event()
    seen: list[int] = []

    def watch() -> None:
        with psycopg.connect(_driver_url(postgres_url), autocommit=True) as watcher:
            while not done.is_set():
                seen.append(_our_connections(watcher))

    def storm(_: int) -> int:
        misses = 0
        for book_id in range(25):
            try:
                get_book(book_id)
            except NotFound:
                misses += 1
        return misses

    try:
        with ExitStack() as held:  # the most it may hold, all at once
            for _ in range(3):
                held.enter_context(uow(read_only=True))
            with psycopg.connect(_driver_url(postgres_url), autocommit=True) as watcher:
                assert _our_connections(watcher) == 3
        watcher_thread = threading.Thread(target=watch)
        watcher_thread.start()
        with ThreadPoolExecutor(THREADS) as pool:
            misses = list(pool.map(storm, range(THREADS)))
        done.set()
        watcher_thread.join()
    finally:
        done.set()
        store.shutdown_resources()

    assert misses == [25] * THREADS  # every call was answered (no book exists)
    assert seen
    assert max(seen) <= 3
