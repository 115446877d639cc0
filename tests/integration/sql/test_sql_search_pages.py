"""SQLite's plain text search by relevance (ranked in the index, cut before the join) gives
exactly the pages of the full ordering by score, title and id, removed books and tied
scores included. A filter that keeps every book (a minimum price of one cent) takes the
search through the full ordering, the statement every other query shape uses."""

from __future__ import annotations

import pytest
from sql_support import T0, Backend, add_books, details

from bookstore.application.queries import BookQuery, BookSort
from bookstore.domain.money import Money
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


def _pages(
    backend: Backend, text: str, size: int, min_price: Money | None = None
) -> list[tuple[list[int], int]]:
    pages = []
    for number in range(1, 60):
        query = BookQuery(
            text=text, min_price=min_price, sort=BookSort.RELEVANCE, page=PageRequest(number, size)
        )
        with backend.factory(read_only=True) as uow:
            page = uow.books.search(query)
        pages.append(([book.id for book in page.items], page.total))
        if not page.items:
            break
    return pages


@pytest.mark.parametrize("size", [1, 3, 7, 20, 100])
@pytest.mark.parametrize("text", ["lantern", "lantern poet"])
def test_relevance_pages_cut_in_the_index_are_the_fully_ordered_pages(
    catalogue: Backend, text: str, size: int
) -> None:
    fast = _pages(catalogue, text, size)
    plain = _pages(catalogue, text, size, min_price=Money(1))

    assert fast == plain
    listed = [book_id for ids, _ in fast for book_id in ids]
    assert len(listed) == len(set(listed)) == fast[0][1] > 0
