"""Resilience tests: real server processes, storms, SIGKILL and a stopped database.

PostgreSQL tests read `BOOKSTORE_TEST_POSTGRES_URL` (a server URL such as
`postgresql+psycopg://postgres@127.0.0.1:5432/postgres`) and create and drop a database of
their own; without the variable they are skipped, except under CI (`CI=true`), where that is
a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from postgres_support import postgres_server_url
from resilience_support import postgres_database

STOPS_POSTGRES = "stops_postgres"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that stop PostgreSQL run after every other test of the session, so that a
    server slow to come back cannot fail anyone else's test."""
    last = [item for item in items if item.get_closest_marker(STOPS_POSTGRES)]
    if last:
        moved = {id(item) for item in last}
        items[:] = [item for item in items if id(item) not in moved] + last


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bookstore.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with postgres_database(postgres_server_url()) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url
