"""The SQLite fast path's relevance pages (ranked in the index, cut before the join) are
exactly the pages of the plain statement, removed books and tied scores included."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sql_support import T0, Backend, add_books, details
from sqlalchemy import event

from bookstore.application.queries import BookQuery, BookSort
from bookstore.domain.pagination import PageRequest


@pytest.fixture
def catalogue(sqlite_backend: Backend) -> Backend:
    """Matches that tie in score (same title length) and some that rank higher (the word
    twice, a shorter title), a few of the best ones removed, and non-matches."""
    books = [
        *(details(f"Lantern {n:03d}", author=f"Author {n % 7}") for n in range(40)),
        *(details(f"Lantern lantern {n}") for n in range(8)),
        *(details("Lantern", author=f"Poet {n}") for n in range(5)),
        *(details(f"Dune {n}") for n in range(10)),
    ]
    added = add_books(sqlite_backend.factory, *books)
    with sqlite_backend.factory() as uow:
        for book in (added[40], added[41], added[48], added[5]):
            assert uow.books.remove(book.id, T0)
        uow.commit()
    return sqlite_backend


@pytest.fixture
def watched(catalogue: Backend) -> Iterator[None]:
    """A cursor listener: the fast path steps aside and the plain statement runs."""

    def noticed(*_: Any) -> None:
        return None

    event.listen(catalogue.engine, "before_cursor_execute", noticed)
    yield
    event.remove(catalogue.engine, "before_cursor_execute", noticed)


def _pages(backend: Backend, text: str, size: int) -> list[tuple[list[int], int]]:
    pages = []
    for number in range(1, 60):
        query = BookQuery(text=text, sort=BookSort.RELEVANCE, page=PageRequest(number, size))
        with backend.factory(read_only=True) as uow:
            page = uow.books.search(query)
        pages.append(([book.id for book in page.items], page.total))
        if not page.items:
            break
    return pages


@pytest.mark.parametrize("size", [1, 3, 7, 20, 100])
@pytest.mark.parametrize("text", ["lantern", "lantern poet"])
def test_fast_relevance_pages_are_the_plain_statements_pages(
    catalogue: Backend, text: str, size: int, request: pytest.FixtureRequest
) -> None:
    fast = _pages(catalogue, text, size)
    request.getfixturevalue("watched")
    plain = _pages(catalogue, text, size)

    assert fast == plain
    listed = [book_id for ids, _ in fast for book_id in ids]
    assert len(listed) == len(set(listed)) == fast[0][1] > 0
