"""The shipped migrations build exactly the schema the code describes, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from postgres_support import create_postgres_database, drop_postgres_database, postgres_server_url
from sqlalchemy import Engine, inspect

from bookstore.adapters.sql import make_engine, metadata, upgrade_database
from bookstore.adapters.sql.fulltext import include_name
from bookstore.adapters.sql.migrate import alembic_config

# SQLite cannot reflect expression indexes (lower(title), lower(genre)): SQLAlchemy and Alembic
# say so and leave them out of the SQLite comparison; PostgreSQL compares them.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index"),
    pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based"),
]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it, not even the migration table."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    database = create_postgres_database(postgres_server_url())
    try:
        yield database.url
    finally:
        drop_postgres_database(database)


def drift(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": include_name}
        )
        return list(compare_metadata(context, metadata))


def test_migrating_an_empty_database_gives_the_schema_of_the_code(
    empty_database_url: str,
) -> None:
    upgrade_database(empty_database_url)
    upgrade_database(empty_database_url)  # a second run has nothing to do
    engine = make_engine(empty_database_url)
    try:
        assert drift(engine) == []
        with engine.begin() as conn:
            command.check(alembic_config(conn))  # raises on any difference
            tables = set(inspect(conn).get_table_names())
            columns = {c["name"] for c in inspect(conn).get_columns("books")}
    finally:
        engine.dispose()
    assert set(metadata.tables) <= tables
    if engine.dialect.name == "sqlite":
        assert "books_fts" in tables
    else:
        assert "search_vector" in columns


def test_migrations_can_be_undone_and_redone(empty_database_url: str) -> None:
    upgrade_database(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "base")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) == {"alembic_version"}
        upgrade_database(empty_database_url)
        assert drift(engine) == []
    finally:
        engine.dispose()
