"""A page's `total` is exact even when SQLite reuses a count: every change to the catalogue,
from this connection or from another one (another process), is seen at once."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sql_support import T0, add_books, details

from bookstore.adapters.sql import SqlUnitOfWorkFactory, make_engine
from bookstore.adapters.sql.sqlite_reads import page_parameters, search_sql
from bookstore.application.queries import BookQuery, BookSort
from bookstore.domain.pagination import PageRequest

# One pooled connection per engine, so every read below reuses the same SQLite connection
# (and so its cached totals); two engines stand for two server processes.
FIRST_PAGE = BookQuery(page=PageRequest(1, 2))
BY_TEXT = BookQuery(text="dune", page=PageRequest(1, 2))


@pytest.fixture
def two_processes(sqlite_url: str) -> Iterator[tuple[SqlUnitOfWorkFactory, SqlUnitOfWorkFactory]]:
    engines = [make_engine(sqlite_url, pool_size=1, max_overflow=0) for _ in range(2)]
    try:
        yield SqlUnitOfWorkFactory(engines[0]), SqlUnitOfWorkFactory(engines[1])
    finally:
        for engine in engines:
            engine.dispose()


def _totals(factory: SqlUnitOfWorkFactory) -> tuple[int, int]:
    with factory(read_only=True) as uow:
        return uow.books.search(FIRST_PAGE).total, uow.books.search(BY_TEXT).total


def test_a_book_added_elsewhere_counts_at_once(
    two_processes: tuple[SqlUnitOfWorkFactory, SqlUnitOfWorkFactory],
) -> None:
    reader, writer = two_processes
    add_books(writer, *(details(f"Dune {n}") for n in range(3)))
    assert _totals(reader) == (3, 3)
    assert _totals(reader) == (3, 3)

    add_books(writer, details("Dune again"), details("Emma", author="Jane Austen"))

    assert _totals(reader) == (5, 4)


def test_a_book_removed_elsewhere_stops_counting_at_once(
    two_processes: tuple[SqlUnitOfWorkFactory, SqlUnitOfWorkFactory],
) -> None:
    reader, writer = two_processes
    books = add_books(writer, *(details(f"Dune {n}") for n in range(4)))
    assert _totals(reader) == (4, 4)

    with writer() as uow:
        assert uow.books.remove(books[0].id, T0)
        uow.commit()

    assert _totals(reader) == (3, 3)


def test_the_same_connection_sees_its_own_commits_and_not_its_rollbacks(
    two_processes: tuple[SqlUnitOfWorkFactory, SqlUnitOfWorkFactory],
) -> None:
    factory, _ = two_processes
    books = add_books(factory, *(details(f"Dune {n}") for n in range(3)))
    assert _totals(factory) == (3, 3)

    with factory() as uow:
        uow.books.add(details("Dune rolled back"), T0)
        assert uow.books.search(FIRST_PAGE).total == 4
    assert _totals(factory) == (3, 3)

    add_books(factory, details("Dune committed"))
    assert _totals(factory) == (4, 4)

    with factory() as uow:
        book = books[1]
        uow.books.update(replace(book, details=replace(book.details, title="Emma")))
        uow.commit()
    assert _totals(factory) == (4, 3)


def test_a_read_only_unit_of_work_that_writes_anyway_leaves_no_wrong_total(
    two_processes: tuple[SqlUnitOfWorkFactory, SqlUnitOfWorkFactory],
) -> None:
    factory, _ = two_processes
    add_books(factory, *(details(f"Dune {n}") for n in range(3)))
    assert _totals(factory) == (3, 3)

    with factory(read_only=True) as uow:
        assert uow.books.search(FIRST_PAGE).total == 3
        uow.books.add(details("Dune, never committed"), T0)
        assert uow.books.search(FIRST_PAGE).total == 4

    assert _totals(factory) == (3, 3)


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (BookQuery(), "ix_books_title_sort"),
        (BookQuery(sort=BookSort.PRICE_DESC), "ix_books_price_sort"),
        (BookQuery(sort=BookSort.CREATED_AT, in_stock=True), "ix_books_created_sort"),
        (BookQuery(text="dune"), "books_fts"),
    ],
)
def test_the_driver_level_sql_reads_the_same_indexes(
    sqlite_url: str, query: BookQuery, index: str
) -> None:
    """The SQLite fast path writes its SQL by hand: it must keep the plans of `book_search`
    (an index for each sort; no sort of the whole catalogue)."""
    page_sql, count_sql, params = search_sql(query)
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        plan = " | ".join(
            str(row[-1])
            for row in conn.execute(
                f"EXPLAIN QUERY PLAN {page_sql}", page_parameters(page_sql, params, 20, 0)
            )
        )
        conn.execute(count_sql, params).fetchone()

    assert index in plan, plan
    if query.text is None:
        assert "TEMP B-TREE" not in plan.upper(), plan
