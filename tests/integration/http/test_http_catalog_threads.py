"""Where storage work runs: reads on the event loop for a SQLite file or a database server on
this machine, writes on the loop only for a SQLite file, in a worker thread otherwise, as the
storage itself says (`UnitOfWorkFactory.inline_reads`, `inline_work`)."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from dependency_injector import providers
from http_support import Api, AppFactory
from litestar.datastructures import State

from bookstore.application.queries import BookQuery
from bookstore.domain.book import Book
from bookstore.domain.pagination import Page
from bookstore.entrypoints.container import create_container
from bookstore.entrypoints.http.dependencies import CONTAINER_STATE_KEY
from bookstore.entrypoints.http.placement import storage_calls
from bookstore.entrypoints.settings import Settings


@pytest.mark.parametrize(
    ("url", "reads_on_loop", "writes_on_loop"),
    [
        ("sqlite:///./bookstore.db", True, True),
        ("postgresql+psycopg://shop@127.0.0.1/shop", True, False),
        ("postgresql+psycopg://shop@localhost:5433/shop", True, False),
        ("postgresql+psycopg:///shop?host=/var/run/postgresql", True, False),
        ("postgresql+psycopg://shop@db.example/shop", False, False),
        ("postgresql+psycopg://shop@10.0.0.7/shop", False, False),
        ("memory://", False, False),
    ],
)
def test_storage_calls_run_on_the_event_loop_only_where_the_storage_is_near(
    url: str, reads_on_loop: bool, writes_on_loop: bool
) -> None:
    container = create_container(Settings(database_url=url))
    state = State({CONTAINER_STATE_KEY: container})
    try:
        calls = storage_calls(state)
        assert (calls.inline_reads, calls.inline_writes) == (reads_on_loop, writes_on_loop)
        assert storage_calls(state) is calls  # decided once per app, then remembered
    finally:
        container.shutdown_resources()


class _RecordingSearch:
    """Notes, for each call, whether it ran on the thread of a running event loop."""

    def __init__(self) -> None:
        self.on_loop: list[bool] = []

    def __call__(self, query: BookQuery) -> Page[Book]:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            self.on_loop.append(False)
        else:
            self.on_loop.append(True)
        return Page.of([], query.page, 0)


def test_the_catalogue_read_runs_where_the_database_says(api: Api) -> None:
    search = _RecordingSearch()
    api.container.search_books.override(providers.Object(search))
    on_loop = api.container.settings().database_url.startswith("sqlite:")

    response = api.client.get("/api/books")

    assert response.status_code == 200, response.text
    assert response.json() == {"items": [], "page": 1, "page_size": 20, "total": 0}
    assert search.on_loop == [on_loop]


class _SlowSearch:
    """Holds each call a moment, noting which thread ran it and how many ran at once."""

    def __init__(self) -> None:
        self.threads: set[str] = set()
        self.running = self.most_at_once = 0
        self._lock = threading.Lock()

    def __call__(self, query: BookQuery) -> Page[Book]:
        with self._lock:
            self.threads.add(threading.current_thread().name)
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(0.05)
        with self._lock:
            self.running -= 1
        return Page.of([], query.page, 0)


@pytest.mark.parametrize("database_url", ["memory://"])  # its reads run on threads
def test_work_on_threads_runs_on_a_thread_per_kept_connection(make_api: AppFactory) -> None:
    api = make_api()
    storage = api.container.uow()
    search = _SlowSearch()
    api.container.search_books.override(providers.Object(search))

    with ThreadPoolExecutor(3 * storage.work_threads) as clients:
        answers = list(clients.map(lambda _: api.client.get("/api/books"), range(12)))

    assert [a.status_code for a in answers] == [200] * 12
    assert all(name.startswith("bookstore-storage") for name in search.threads)
    assert search.most_at_once == storage.work_threads
