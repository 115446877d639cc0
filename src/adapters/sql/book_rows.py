"""Book rows <-> `Book` entities, written out by hand (the domain is never mapped)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from bookstore.adapters.sql.statements import Row
from bookstore.adapters.sql.tables import books
from bookstore.application.queries import fold_case
from bookstore.domain.book import Book, BookDetails
from bookstore.domain.money import Money
from bookstore.domain.review import NO_RATING, Rating
from bookstore.domain.values import Isbn

BOOK_COLUMNS = (
    books.c.id,
    books.c.title,
    books.c.author,
    books.c.genre,
    books.c.price_cents,
    books.c.stock,
    books.c.isbn,
    books.c.description,
    books.c.published_year,
    books.c.created_at,
    books.c.updated_at,
    books.c.low_stock_threshold,
    books.c.rating_count,
    books.c.rating_sum,
)
IN_CATALOGUE = books.c.removed_at.is_(None)


def book_from_row(row: Row) -> Book:
    """A new `Book` (entities change; each caller gets its own) over the row's immutable
    parts, which are shared with every other read of the same row (`_parts_of`)."""
    details, created_at, updated_at, rating = _parts_of(tuple(row))
    return Book(row[0], details, created_at, updated_at, row[11], rating)


@lru_cache(maxsize=1024)
def _parts_of(row: tuple[Any, ...]) -> tuple[BookDetails, datetime, datetime, Rating]:
    """The details and times of a row of `BOOK_COLUMNS`. They are immutable, and the row
    holds every column, stock and `updated_at` included, so a row read again has the same
    parts: remembered for the most-read rows, which spares building the same page over and
    over (and lets the HTTP layer reuse what it made of them)."""
    (_, title, author, genre, cents, stock, isbn, description, year, created, updated, _,
     rating_count, rating_sum) = row  # fmt: skip
    details = BookDetails(
        title, author, genre, Money(cents), stock, Isbn(isbn) if isbn is not None else None,
        description, year,
    )  # fmt: skip
    rating = Rating(rating_count, rating_sum) if rating_count else NO_RATING
    return details, created, updated, rating


def detail_values(details: BookDetails) -> dict[str, Any]:
    """The columns of a book's details, with the folded keys its filters and sorts use."""
    return {
        "title": details.title,
        "author": details.author,
        "genre": details.genre,
        "title_key": fold_case(details.title),
        "author_key": fold_case(details.author),
        "genre_key": fold_case(details.genre),
        "price_cents": details.price.cents,
        "stock": details.stock,
        "isbn": details.isbn.value if details.isbn is not None else None,
        "description": details.description,
        "published_year": details.published_year,
    }
