"""Databases for the SQL adapter tests: in-memory, a migrated SQLite file, PostgreSQL.

PostgreSQL tests read `BOOKSTORE_TEST_POSTGRES_URL` (a server URL such as
`postgresql+psycopg://postgres@127.0.0.1:5432/postgres`), create their own uniquely named
database and drop it at the end. Without the variable they are skipped, except under CI
(`CI=true`), where a missing database is a failure, not a silent skip.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from postgres_support import (
    PostgresDatabase,
    create_postgres_database,
    drop_postgres_database,
    postgres_server_url,
)
from sql_support import Backend, empty_postgres_tables

from bookstore.adapters.sql import SqlUnitOfWorkFactory, make_engine, upgrade_database
from bookstore.application.ports import UnitOfWorkFactory


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[PostgresDatabase]:
    """A migrated database of its own for this test session."""
    database = create_postgres_database(postgres_server_url())
    try:
        upgrade_database(database.url)
        yield database
    finally:
        drop_postgres_database(database)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade_database(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "bookstore.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def postgres_url(postgres_database: PostgresDatabase) -> str:
    empty_postgres_tables(postgres_database.url)
    return postgres_database.url


def _backend(name: str, url: str) -> Iterator[Backend]:
    engine = make_engine(url)
    try:
        yield Backend(name, url, engine, SqlUnitOfWorkFactory(engine))
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_backend(sqlite_url: str) -> Iterator[Backend]:
    yield from _backend("sqlite", sqlite_url)


@pytest.fixture
def postgres_backend(postgres_url: str) -> Iterator[Backend]:
    yield from _backend("postgres", postgres_url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_backend(request: pytest.FixtureRequest) -> Backend:
    """A SQL database, empty and migrated, with its engine disposed of afterwards."""
    backend: Backend = request.getfixturevalue(f"{request.param}_backend")
    return backend


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def uow_factory(request: pytest.FixtureRequest) -> Iterator[UnitOfWorkFactory]:
    """The same contract, three storages."""
    if request.param == "memory":
        from bookstore.adapters.memory import MemoryUnitOfWorkFactory

        yield MemoryUnitOfWorkFactory()
        return
    url = request.getfixturevalue(f"{request.param}_url")
    engine = make_engine(url)
    try:
        # The server here is on this machine, where writers send their queued statements one
        # by one (as `sql_backend`'s do); these shared contract tests take the pipelined way
        # of a server across a network.
        yield SqlUnitOfWorkFactory(engine, pipeline=True)
    finally:
        engine.dispose()
