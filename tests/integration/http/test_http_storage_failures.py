"""A storage that fails under a running app (its database gone, its file unreadable) is a
503 problem with `Retry-After` on every route, the catalogue's reads included, on SQLite and
on PostgreSQL: the same failure means the same answer, whichever way a statement runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from http_support import Api, AppFactory, assert_problem
from postgres_support import (
    create_postgres_database,
    drop_postgres_database,
    postgres_server_url,
)

from bookstore.adapters.sql import upgrade_database

CATALOGUE_READS = ["/api/books", "/api/books?q=dune", "/api/books?title=dune", "/api/books/1"]


def _assert_unavailable(api: Api) -> None:
    for path in CATALOGUE_READS:
        response = api.client.get(path)
        assert_problem(response, 503, "service-unavailable")
        assert int(response.headers["retry-after"]) > 0, path
        assert "SELECT" not in response.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_sqlite_file_that_became_unreadable_is_a_503(api: Api, database_url: str) -> None:
    assert api.client.get("/api/books").status_code == 200
    engine = api.container.uow().engine
    engine.dispose()  # the server's connections go; the next ones open the damaged file
    path = Path(database_url.removeprefix("sqlite:///"))
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    path.write_bytes(b"this is not a database " * 512)

    _assert_unavailable(api)


@pytest.fixture
def postgres_api(make_api: AppFactory) -> Iterator[tuple[Api, object]]:
    database = create_postgres_database(postgres_server_url())
    try:
        upgrade_database(database.url)
        yield make_api(database_url=database.url), database
    finally:
        drop_postgres_database(database)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["memory"], indirect=True)
def test_a_postgresql_database_that_is_gone_is_a_503(
    postgres_api: tuple[Api, object],
) -> None:
    api, database = postgres_api
    assert api.client.get("/api/books").status_code == 200

    drop_postgres_database(database)  # its connections are ended with it

    _assert_unavailable(api)
