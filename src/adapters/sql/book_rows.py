"""Book rows <-> `Book` entities, written out by hand (the domain is never mapped)."""

from __future__ import annotations

from typing import Any

from bookstore.adapters.sql.rows import AnyRow
from bookstore.adapters.sql.tables import books
from bookstore.domain.book import Book, BookDetails
from bookstore.domain.money import Money
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
)
IN_CATALOGUE = books.c.removed_at.is_(None)


def book_from_row(row: AnyRow) -> Book:
    details = BookDetails(
        title=row.title,
        author=row.author,
        genre=row.genre,
        price=Money(row.price_cents),
        stock=row.stock,
        isbn=Isbn(row.isbn) if row.isbn is not None else None,
        description=row.description,
        published_year=row.published_year,
    )
    return Book(row.id, details, row.created_at, row.updated_at, row.low_stock_threshold)


def detail_values(details: BookDetails) -> dict[str, Any]:
    return {
        "title": details.title,
        "author": details.author,
        "genre": details.genre,
        "price_cents": details.price.cents,
        "stock": details.stock,
        "isbn": details.isbn.value if details.isbn is not None else None,
        "description": details.description,
        "published_year": details.published_year,
    }
