"""A page's `total` is exact: when SQLite reuses a count, and when the catalogue's total is
the count the database keeps (triggers, migration 0007), every change to the catalogue,
from this connection or from another one (another process), is seen at once, also under
concurrent writers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sql_support import T0, add_books, details
from sqlalchemy import func, select

from bookstore.adapters.sql import SqlUnitOfWorkFactory, make_engine
from bookstore.adapters.sql.tables import books
from bookstore.application.queries import BookQuery
from bookstore.domain.pagination import PageRequest

# One pooled connection per engine, so every read below reuses the same SQLite connection
# (and so its cached totals); two engines stand for two server processes.
FIRST_PAGE = BookQuery(page=PageRequest(1, 2))
BY_TEXT = BookQuery(text="dune", page=PageRequest(1, 2))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_processes(
    request: pytest.FixtureRequest,
) -> Iterator[tuple[SqlUnitOfWorkFactory, SqlUnitOfWorkFactory]]:
    url: str = request.getfixturevalue(f"{request.param}_url")
    engines = [make_engine(url, pool_size=1, max_overflow=0) for _ in range(2)]
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
    sqlite_url: str,
) -> None:
    """SQLite lets it (PostgreSQL refuses it: see test_sql_engine_and_unit_of_work)."""
    engine = make_engine(sqlite_url, pool_size=1, max_overflow=0)
    factory = SqlUnitOfWorkFactory(engine)
    try:
        add_books(factory, *(details(f"Dune {n}") for n in range(3)))
        assert _totals(factory) == (3, 3)

        with factory(read_only=True) as uow:
            assert uow.books.search(FIRST_PAGE).total == 3
            uow.books.add(details("Dune, never committed"), T0)
            assert uow.books.search(FIRST_PAGE).total == 4

        assert _totals(factory) == (3, 3)
    finally:
        engine.dispose()


def test_the_kept_total_is_exact_after_concurrent_writers_of_two_processes(
    two_processes: tuple[SqlUnitOfWorkFactory, SqlUnitOfWorkFactory],
) -> None:
    """Writers of two engines (two processes) add and remove books at the same time; the
    first page's total, read from the count the database keeps, is the real count."""
    first, second = two_processes
    removable = add_books(first, *(details(f"Old {n}") for n in range(12)))
    errors: list[BaseException] = []

    def write(factory: SqlUnitOfWorkFactory, worker: int) -> None:
        try:
            for n in range(6):
                with factory() as uow:
                    uow.books.add(details(f"New {worker}-{n}"), T0)
                    if n % 2 == 0:
                        assert uow.books.remove(removable[worker * 3 + n // 2].id, T0)
                    uow.commit()
        except BaseException as error:
            errors.append(error)
            raise

    threads = [
        threading.Thread(target=write, args=(factory, worker))
        for worker, factory in enumerate([first, second, first, second])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    expected = 12 + 4 * 6 - 4 * 3
    for factory in two_processes:
        with factory(read_only=True) as uow:
            assert uow.books.search(FIRST_PAGE).total == expected
            counted = uow.db.scalar(
                select(func.count()).select_from(books).where(books.c.removed_at.is_(None))
            )
        assert counted == expected
