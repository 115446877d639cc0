"""The catalogue in bulk, in SQL: ISBN look-ups for an import (locked like `books.lock`),
new books without a movement (the import records its own), keyset pages for an export."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from bookstore.adapters.sql.book_rows import (
    BOOK_COLUMNS,
    IN_CATALOGUE,
    book_from_row,
    detail_values,
)
from bookstore.adapters.sql.integrity import violates
from bookstore.adapters.sql.statements import Db, chunks, in_list, list_params
from bookstore.adapters.sql.tables import books
from bookstore.domain.book import Book, BookDetails
from bookstore.domain.errors import DuplicateIsbn

# Built once; each call only binds its values.
_ADD = insert(books).returning(books.c.id)


@lru_cache(maxsize=2 * 100)
def _with_isbns(count: int, *, lock: bool) -> Select[Any]:
    """The catalogue books among `count` ISBNs, in id order (the lock order)."""
    stmt = select(*BOOK_COLUMNS).where(in_list(books.c.isbn, count), IN_CATALOGUE)
    stmt = stmt.order_by(books.c.id)
    return stmt.with_for_update(key_share=True) if lock else stmt


@lru_cache(maxsize=8)
def _page_after(limit: int) -> Select[Any]:
    after = books.c.id > bindparam("after_id")
    return select(*BOOK_COLUMNS).where(after, IN_CATALOGUE).order_by(books.c.id).limit(limit)


class SqlCatalogue:
    def __init__(self, db: Db, *, lock_rows: bool) -> None:
        self._db = db
        self._lock_rows = lock_rows

    def by_isbn(self, isbns: Collection[str]) -> dict[str, Book]:
        found: dict[str, Book] = {}
        for chunk in chunks(sorted(set(isbns))):
            stmt = _with_isbns(len(chunk), lock=self._lock_rows)
            for row in self._db.rows(stmt, list_params(chunk)):
                book = book_from_row(row)
                if book.details.isbn is not None:
                    found[book.details.isbn.value] = book
        return found

    def add_listed(self, details: BookDetails, now: datetime, *, low_stock_threshold: int) -> Book:
        values = detail_values(details) | {"created_at": now, "updated_at": now}
        values["low_stock_threshold"] = low_stock_threshold
        try:
            book_id: int = self._db.scalar(_ADD, values)
        except IntegrityError as error:
            if details.isbn is not None and violates(error, "uq_books_isbn", "books.isbn"):
                raise DuplicateIsbn(details.isbn.value) from error
            raise
        return Book(book_id, details, now, now, low_stock_threshold)

    def page_after(self, book_id: int, limit: int) -> list[Book]:
        return [
            book_from_row(row) for row in self._db.rows(_page_after(limit), {"after_id": book_id})
        ]
