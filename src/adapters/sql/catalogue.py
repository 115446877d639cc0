"""The catalogue in bulk, in SQL: ISBN look-ups for an import (locked like `books.lock`),
new books without a movement (the import records its own), keyset pages for an export."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from functools import lru_cache, partial
from typing import Any

from sqlalchemy import Select, bindparam, select

from bookstore.adapters.sql.book_rows import BOOK_COLUMNS, IN_CATALOGUE, book_from_row
from bookstore.adapters.sql.books import add_book, books_in
from bookstore.adapters.sql.statements import Db, rows_in
from bookstore.adapters.sql.tables import books
from bookstore.domain.book import Book, BookDetails


@lru_cache(maxsize=8)
def _page_after(limit: int) -> Select[Any]:
    after = books.c.id > bindparam("after_id")
    return select(*BOOK_COLUMNS).where(after, IN_CATALOGUE).order_by(books.c.id).limit(limit)


class SqlCatalogue:
    def __init__(self, db: Db, *, lock_rows: bool) -> None:
        self._db = db
        self._lock_rows = lock_rows

    def by_isbn(self, isbns: Collection[str]) -> dict[str, Book]:
        statement = partial(books_in, "isbn", lock=self._lock_rows)
        found = map(book_from_row, rows_in(self._db, statement, sorted(set(isbns))))
        return {book.details.isbn.value: book for book in found if book.details.isbn is not None}

    def add_listed(self, details: BookDetails, now: datetime, *, low_stock_threshold: int) -> Book:
        return add_book(self._db, details, now, low_stock_threshold)

    def page_after(self, book_id: int, limit: int) -> list[Book]:
        return [
            book_from_row(row) for row in self._db.rows(_page_after(limit), {"after_id": book_id})
        ]
