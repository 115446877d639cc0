"""Books in SQL: fresh reads, row locks, and stock changed by single atomic statements."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, CursorResult, Executable, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from bookstore.adapters.sql.book_rows import (
    BOOK_COLUMNS,
    IN_CATALOGUE,
    book_from_row,
    detail_values,
)
from bookstore.adapters.sql.book_search import search_books
from bookstore.adapters.sql.engine import ensure_transaction
from bookstore.adapters.sql.integrity import violates
from bookstore.adapters.sql.movements import record_movements
from bookstore.adapters.sql.rows import AnyRow
from bookstore.adapters.sql.sqlite_reads import SqliteBookReads
from bookstore.adapters.sql.tables import books
from bookstore.application.queries import BookQuery
from bookstore.domain.book import DEFAULT_LOW_STOCK_THRESHOLD, STOCK, Book, BookDetails
from bookstore.domain.errors import DuplicateIsbn, InvalidInput
from bookstore.domain.pagination import Page

_GET_ONE = select(*BOOK_COLUMNS).where(books.c.id == bindparam("book_id"), IN_CATALOGUE)


class SqlBookRepository:
    """Every read goes to the database: no identity map, so `lock` can never hand out a
    stale copy. Stock only changes through single atomic statements."""

    def __init__(self, conn: Connection, *, lock_rows: bool) -> None:
        self._conn = conn
        self._lock_rows = lock_rows
        self._stock_seen: dict[int, int] = {}
        # Issue 13: None, so that SQLite's reads go through the Core statements, which read
        # the new `low_stock_threshold` (the `sqlite_reads` text does not). Was False ("not
        # looked at yet").
        self._fast_reads: SqliteBookReads | bool | None = None

    def add(
        self,
        details: BookDetails,
        now: datetime,
        *,
        actor_id: UUID | None = None,
        low_stock_threshold: int = DEFAULT_LOW_STOCK_THRESHOLD,
    ) -> Book:
        values = detail_values(details) | {"created_at": now, "updated_at": now}
        values["low_stock_threshold"] = low_stock_threshold
        stmt = insert(books).values(values).returning(books.c.id)
        book_id: int = self._execute_catalogue_write(stmt, details).scalar_one()
        book = Book(book_id, details, now, now, low_stock_threshold)
        if (initial := book.initial_movement(actor_id)) is not None:
            record_movements(self._conn, [initial])
        return book

    def get(self, book_id: int) -> Book | None:
        fast = self._fast()
        if fast is None:
            loaded = self._load(self._conn.execute(_GET_ONE, {"book_id": book_id}))
            return loaded[0] if loaded else None
        book = fast.get(book_id)
        if book is not None:
            self._stock_seen[book.id] = book.stock
        return book

    def get_many(self, book_ids: Collection[int]) -> dict[int, Book]:
        if not book_ids:
            return {}
        stmt = select(*BOOK_COLUMNS).where(books.c.id.in_(book_ids), IN_CATALOGUE)
        return {book.id: book for book in self._load(self._conn.execute(stmt))}

    def lock(self, book_ids: Collection[int]) -> dict[int, Book]:
        """Fresh rows, locked in ascending id order so crossed orders cannot deadlock.

        PostgreSQL takes `FOR NO KEY UPDATE` row locks (they leave foreign-key checks from
        carts and order lines unblocked); SQLite has no row locks, but a write unit of work
        began with `BEGIN IMMEDIATE` and so already excludes every other writer.
        """
        if not book_ids:
            return {}
        fast = None if self._lock_rows else self._fast()
        if fast is not None:
            return {book.id: book for book in self._seen(fast.get_in_order(sorted(book_ids)))}
        stmt = (
            select(*BOOK_COLUMNS)
            .where(books.c.id.in_(sorted(book_ids)), IN_CATALOGUE)
            .order_by(books.c.id)
        )
        if self._lock_rows:
            stmt = stmt.with_for_update(key_share=True)
        return {book.id: book for book in self._load(self._conn.execute(stmt))}

    def update(self, book: Book) -> None:
        """Write a book's details. The stock is written only if it differs from the stock
        this unit of work read, so an edit made from an unlocked read cannot undo sales."""
        values = detail_values(book.details) | {"updated_at": book.updated_at}
        values["low_stock_threshold"] = book.low_stock_threshold
        if self._stock_seen.get(book.id) == book.stock:
            del values["stock"]
        stmt = update(books).where(books.c.id == book.id, IN_CATALOGUE).values(values)
        self._execute_catalogue_write(stmt, book.details)
        self._stock_seen[book.id] = book.stock

    def take_stock(self, book_id: int, quantity: int) -> bool:
        _require_positive(quantity)
        if (fast := self._fast()) is not None:
            ensure_transaction(self._conn)
            taken = fast.take_stock(book_id, quantity)
        else:
            stmt = (
                update(books)
                .where(books.c.id == book_id, books.c.stock >= quantity, IN_CATALOGUE)
                .values(stock=books.c.stock - quantity)
            )
            taken = self._conn.execute(stmt).rowcount == 1
        if taken and book_id in self._stock_seen:
            self._stock_seen[book_id] -= quantity
        return taken

    def add_stock(self, book_id: int, quantity: int, now: datetime) -> Book | None:
        _require_positive(quantity)
        stmt = (
            update(books)
            .where(books.c.id == book_id, books.c.stock <= STOCK.maximum - quantity, IN_CATALOGUE)
            .values(stock=books.c.stock + quantity, updated_at=now)
            .returning(*BOOK_COLUMNS)
        )
        restocked = self._load(self._conn.execute(stmt))
        if restocked:
            return restocked[0]
        if self.get(book_id) is None:
            return None
        raise InvalidInput.single("quantity", f"would take stock above {STOCK.maximum}")

    def remove(self, book_id: int, now: datetime) -> bool:
        stmt = (
            update(books)
            .where(books.c.id == book_id, IN_CATALOGUE)
            .values(removed_at=now, updated_at=now)
        )
        return self._conn.execute(stmt).rowcount == 1

    def search(self, query: BookQuery) -> Page[Book]:
        fast = self._fast()
        return search_books(self._conn, query) if fast is None else fast.search(query)

    def _fast(self) -> SqliteBookReads | None:
        """Plain reads on SQLite skip SQLAlchemy's per-call work (see `sqlite_reads`); looked
        up on the first read, so units of work that only write pay nothing for it."""
        if self._fast_reads is False:
            self._fast_reads = SqliteBookReads.over(self._conn)
        return self._fast_reads if isinstance(self._fast_reads, SqliteBookReads) else None

    def _load(self, rows: Iterable[AnyRow]) -> list[Book]:
        return self._seen([book_from_row(row) for row in rows])

    def _seen(self, loaded: list[Book]) -> list[Book]:
        for book in loaded:
            self._stock_seen[book.id] = book.stock
        return loaded

    def _execute_catalogue_write(self, stmt: Executable, details: BookDetails) -> CursorResult[Any]:
        try:
            return self._conn.execute(stmt)
        except IntegrityError as error:
            if details.isbn is not None and violates(error, "uq_books_isbn", "books.isbn"):
                raise DuplicateIsbn(details.isbn.value) from error
            raise


def _require_positive(quantity: int) -> None:
    """A stock move of zero or fewer copies would turn a take into an add (or vice versa)."""
    if isinstance(quantity, bool) or quantity < 1:
        raise InvalidInput.single("quantity", "must be at least 1")
