"""Books in SQL: fresh reads, row locks, and stock changed by single atomic statements."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from functools import lru_cache, partial
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import Float, Integer, Select, bindparam, case, cast, insert, select, update
from sqlalchemy.exc import IntegrityError

from bookstore.adapters.sql.book_rows import (
    BOOK_COLUMNS,
    IN_CATALOGUE,
    book_from_row,
    detail_values,
)
from bookstore.adapters.sql.book_search import Totals, genre_counts, search_books
from bookstore.adapters.sql.integrity import violates
from bookstore.adapters.sql.movements import record_movements
from bookstore.adapters.sql.statements import Db, in_list, rows_in
from bookstore.adapters.sql.tables import books
from bookstore.application.ports import FacetCount
from bookstore.application.queries import BookQuery
from bookstore.domain.book import DEFAULT_LOW_STOCK_THRESHOLD, STOCK, Book, BookDetails
from bookstore.domain.errors import DuplicateIsbn, InvalidInput
from bookstore.domain.pagination import Page
from bookstore.domain.review import RatingChange

T = TypeVar("T")

# Built once; each call only binds its values.
_THIS_BOOK = books.c.id == bindparam("book_id")
_GET_ONE = select(*BOOK_COLUMNS).where(_THIS_BOOK, IN_CATALOGUE)
_ADD = insert(books).returning(books.c.id)
_UPDATE = update(books).where(_THIS_BOOK, IN_CATALOGUE)
"""The columns given are written (an edit leaves out the stock it did not change)."""
_TAKE_STOCK = (
    update(books)
    .where(_THIS_BOOK, books.c.stock >= bindparam("copies"), IN_CATALOGUE)
    .values(stock=books.c.stock - bindparam("copies"))
)
_ADD_STOCK = (
    update(books)
    .where(_THIS_BOOK, books.c.stock <= STOCK.maximum - bindparam("copies"), IN_CATALOGUE)
    .values(stock=books.c.stock + bindparam("copies"), updated_at=bindparam("now"))
    .returning(*BOOK_COLUMNS)
)
_REMOVE = (
    update(books)
    .where(_THIS_BOOK, IN_CATALOGUE)
    .values(removed_at=bindparam("now"), updated_at=bindparam("now"))
)

_RATING_COUNT = books.c.rating_count + bindparam("count", type_=Integer)
_RATING_SUM = books.c.rating_sum + bindparam("total", type_=Integer)
_CHANGE_RATING = (
    update(books)
    .where(_THIS_BOOK)
    .values(
        rating_count=_RATING_COUNT,
        rating_sum=_RATING_SUM,
        # The right-hand sides read the row as it was: the mean of the new count and sum.
        rating_mean=case(
            (_RATING_COUNT > 0, cast(_RATING_SUM, Float) / cast(_RATING_COUNT, Float)),
            else_=0.0,
        ),
    )
)


@lru_cache(maxsize=4 * 100)
def books_in(key: str, count: int, *, lock: bool) -> Select[Any]:
    """The catalogue books among `count` values of the column `key` (`id`, `isbn`), in id
    order (the lock order); `lock`: `FOR NO KEY UPDATE`."""
    stmt = select(*BOOK_COLUMNS).where(in_list(books.c[key], count), IN_CATALOGUE)
    stmt = stmt.order_by(books.c.id)
    return stmt.with_for_update(key_share=True) if lock else stmt


def add_book(db: Db, details: BookDetails, now: datetime, low_stock_threshold: int) -> Book:
    """A new book in the catalogue, without a movement; `DuplicateIsbn` if its ISBN is taken."""
    values = detail_values(details) | {"created_at": now, "updated_at": now}
    values["low_stock_threshold"] = low_stock_threshold
    book_id: int = _catalogue_write(details, lambda: db.scalar(_ADD, values))
    return Book(book_id, details, now, now, low_stock_threshold)


class SqlBookRepository:
    """Every read goes to the database: no identity map, so `lock` can never hand out a
    stale copy. Stock only changes through single atomic statements."""

    def __init__(self, db: Db, *, lock_rows: bool, totals: Totals) -> None:
        self._db = db
        self._lock_rows = lock_rows
        self._totals = totals
        self._stock_seen: dict[int, int] = {}

    def add(
        self,
        details: BookDetails,
        now: datetime,
        *,
        actor_id: UUID | None = None,
        low_stock_threshold: int = DEFAULT_LOW_STOCK_THRESHOLD,
    ) -> Book:
        book = add_book(self._db, details, now, low_stock_threshold)
        if (initial := book.initial_movement(actor_id)) is not None:
            record_movements(self._db, [initial])
        return book

    def get(self, book_id: int) -> Book | None:
        row = self._db.first(_GET_ONE, {"book_id": book_id})
        return None if row is None else self._seen([book_from_row(row)])[0]

    def get_many(self, book_ids: Collection[int]) -> dict[int, Book]:
        return {book.id: book for book in self._in(sorted(set(book_ids)), lock=False)}

    def lock(self, book_ids: Collection[int]) -> dict[int, Book]:
        """Fresh rows, locked in ascending id order so crossed orders cannot deadlock.

        PostgreSQL takes `FOR NO KEY UPDATE` row locks (they leave foreign-key checks from
        carts and order lines unblocked); SQLite has no row locks, but a write unit of work
        began with `BEGIN IMMEDIATE` and so already excludes every other writer.
        """
        ids = sorted(set(book_ids))
        return {book.id: book for book in self._in(ids, lock=self._lock_rows)}

    def update(self, book: Book) -> None:
        """Write a book's details. The stock is written only if it differs from the stock
        this unit of work read, so an edit made from an unlocked read cannot undo sales."""
        values = detail_values(book.details) | {"updated_at": book.updated_at}
        values["low_stock_threshold"] = book.low_stock_threshold
        if self._stock_seen.get(book.id) == book.stock:
            del values["stock"]
        params = values | {"book_id": book.id}
        _catalogue_write(book.details, lambda: self._db.write(_UPDATE, params))
        self._stock_seen[book.id] = book.stock

    def take_stock(self, book_id: int, quantity: int) -> bool:
        _require_positive(quantity)
        taken = self._db.write(_TAKE_STOCK, {"book_id": book_id, "copies": quantity}) == 1
        if taken and book_id in self._stock_seen:
            self._stock_seen[book_id] -= quantity
        return taken

    def add_stock(self, book_id: int, quantity: int, now: datetime) -> Book | None:
        _require_positive(quantity)
        params = {"book_id": book_id, "copies": quantity, "now": now}
        row = self._db.first(_ADD_STOCK, params)
        if row is not None:
            return self._seen([book_from_row(row)])[0]
        if self.get(book_id) is None:
            return None
        raise InvalidInput.single("quantity", f"would take stock above {STOCK.maximum}")

    def remove(self, book_id: int, now: datetime) -> bool:
        return self._db.write(_REMOVE, {"book_id": book_id, "now": now}) == 1

    def search(self, query: BookQuery) -> Page[Book]:
        return search_books(self._db, query, self._totals)

    def change_rating(self, book_id: int, change: RatingChange) -> None:
        params = {"book_id": book_id, "count": change.count, "total": change.total}
        self._db.send(_CHANGE_RATING, params)

    def genre_counts(self, query: BookQuery) -> list[FacetCount]:
        return genre_counts(self._db, query, self._totals)

    def _in(self, ids: list[int], *, lock: bool) -> list[Book]:
        rows = rows_in(self._db, partial(books_in, "id", lock=lock), ids)
        return self._seen([book_from_row(row) for row in rows])

    def _seen(self, loaded: list[Book]) -> list[Book]:
        for book in loaded:
            self._stock_seen[book.id] = book.stock
        return loaded


def _catalogue_write(details: BookDetails, write: Callable[[], T]) -> T:
    try:
        return write()
    except IntegrityError as error:
        if details.isbn is not None and violates(error, "uq_books_isbn", "books.isbn"):
            raise DuplicateIsbn(details.isbn.value) from error
        raise


def _require_positive(quantity: int) -> None:
    """A stock move of zero or fewer copies would turn a take into an add (or vice versa)."""
    if isinstance(quantity, bool) or quantity < 1:
        raise InvalidInput.single("quantity", "must be at least 1")
