"""Where catalogue reads run: on the event loop for a SQLite file, in a worker thread
otherwise, as the storage itself says (`UnitOfWorkFactory.inline_work`)."""

from __future__ import annotations

import asyncio

import pytest
from dependency_injector import providers
from http_support import Api
from litestar.datastructures import State

from bookstore.application.queries import BookQuery
from bookstore.domain.book import Book
from bookstore.domain.pagination import Page
from bookstore.entrypoints.container import create_container
from bookstore.entrypoints.http.dependencies import CONTAINER_STATE_KEY
from bookstore.entrypoints.http.placement import storage_calls
from bookstore.entrypoints.settings import Settings


@pytest.mark.parametrize(
    ("url", "on_loop"),
    [
        ("sqlite:///./bookstore.db", True),
        ("postgresql+psycopg://shop@db.example/shop", False),
        ("memory://", False),
    ],
)
def test_only_sqlite_storage_calls_run_on_the_event_loop(url: str, on_loop: bool) -> None:
    container = create_container(Settings(database_url=url))
    state = State({CONTAINER_STATE_KEY: container})
    try:
        calls = storage_calls(state)
        assert calls.inline is on_loop
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
