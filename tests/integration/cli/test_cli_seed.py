"""`bookstore seed-demo`: the demo catalogue, loaded through the use cases."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest
from cli_support import Cli, assert_clean_failure
from postgres_support import (
    create_postgres_database,
    drop_postgres_database,
    postgres_server_url,
)
from sqlalchemy import create_engine, select, text

from bookstore.adapters.sql.book_rows import BOOK_COLUMNS, IN_CATALOGUE
from bookstore.adapters.sql.tables import books
from bookstore.application.queries import BookQuery
from bookstore.application.use_cases.add_book import AddBookCommand
from bookstore.domain.book import BookDetails
from bookstore.domain.user import Actor, Role
from bookstore.entrypoints.container import Container

pytestmark = pytest.mark.slow

MIN_DEMO_BOOKS = 200


def catalogue_size(store: Container) -> int:
    return store.search_books()(BookQuery()).total


def test_loads_the_demo_catalogue_once_however_often_it_runs(cli: Cli, store: Container) -> None:
    first = cli.run("seed-demo")
    loaded = catalogue_size(store)
    second = cli.run("seed-demo")

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert loaded >= MIN_DEMO_BOOKS
    assert f"Added {loaded} demo books; skipped 0" in first.stdout
    assert f"Added 0 demo books; skipped {loaded}" in second.stdout
    assert catalogue_size(store) == loaded


def test_the_books_are_searchable(cli: Cli, store: Container) -> None:
    assert cli.run("seed-demo").returncode == 0

    found = store.search_books()(BookQuery(text="tolkien hobbit"))

    assert [book.title for book in found.items][:1] == ["The Hobbit"]


def test_if_empty_seeds_an_empty_catalogue(cli: Cli, store: Container) -> None:
    result = cli.run("seed-demo", "--if-empty")

    assert result.returncode == 0, result.stderr
    assert catalogue_size(store) >= MIN_DEMO_BOOKS


def test_if_empty_leaves_a_catalogue_with_books_alone(cli: Cli, store: Container) -> None:
    assert cli.run("db", "upgrade").returncode == 0
    details = BookDetails.parse(
        title="Our Own Book", author="Us", genre="Local", price="5.00", stock=1
    )
    store.add_book()(AddBookCommand(Actor(UUID(int=1), Role.ADMIN), details))

    result = cli.run("seed-demo", "--if-empty")

    assert result.returncode == 0, result.stderr
    assert "already has 1 book: nothing to do" in result.stdout
    assert catalogue_size(store) == 1


@pytest.mark.parametrize("flags", [(), ("--if-empty",)])
def test_a_memory_store_is_refused_since_no_one_would_ever_see_its_books(
    cli: Cli, flags: tuple[str, ...]
) -> None:
    result = cli.run("seed-demo", *flags, BOOKSTORE_DATABASE_URL="memory://")

    line = assert_clean_failure(result, exit_code=2)
    assert "memory://" in line
    assert "Added" not in result.stdout


@pytest.mark.postgres
def test_on_a_fresh_postgresql_database_the_first_page_reads_the_title_index_at_once(
    tmp_path: Path,
) -> None:
    """seed-demo leaves the planner's statistics current (nothing else would, with
    autovacuum off or behind): the list page walks the title index, not a sort of every
    book planned for a table believed nearly empty."""
    database = create_postgres_database(postgres_server_url(), prefix="bookstore_seed")
    try:
        cli = Cli(
            tmp_path,
            {"BOOKSTORE_DATABASE_URL": database.url, "BOOKSTORE_BCRYPT_ROUNDS": "4"},
        )
        seeded = cli.run("seed-demo")
        assert seeded.returncode == 0, seeded.stderr
        engine = create_engine(database.url)
        try:
            with engine.connect() as conn:
                known = conn.execute(
                    text("SELECT reltuples FROM pg_class WHERE relname = 'books'")
                ).scalar_one()
                page = select(*BOOK_COLUMNS).where(IN_CATALOGUE)
                page = page.order_by(books.c.title_key, books.c.id).limit(20)
                sql = str(page.compile(engine, compile_kwargs={"literal_binds": True}))
                plan = "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {sql}"))
        finally:
            engine.dispose()
    finally:
        drop_postgres_database(database)
    assert known >= MIN_DEMO_BOOKS  # analyzed: the planner knows how many books there are
    assert "ix_books_title_key_sort" in plan, plan
    assert "Sort" not in plan, plan
