"""Books in SQL: explicit row <-> entity mapping, atomic stock changes, catalogue search."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, FromClause, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import UnaryExpression

from bookstore.adapters.sql.fulltext import text_match
from bookstore.adapters.sql.integrity import violates
from bookstore.adapters.sql.rows import AnyRow
from bookstore.adapters.sql.tables import books
from bookstore.application.queries import BookQuery, BookSort
from bookstore.domain.book import STOCK, Book, BookDetails
from bookstore.domain.errors import DuplicateIsbn, InvalidInput
from bookstore.domain.money import Money
from bookstore.domain.pagination import Page
from bookstore.domain.values import Isbn

_COLUMNS = (
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
)
_IN_CATALOGUE = books.c.removed_at.is_(None)
_TITLE_KEY = func.lower(books.c.title)

_SORTS: dict[BookSort, tuple[UnaryExpression[Any], ...]] = {
    BookSort.TITLE: (_TITLE_KEY.asc(), books.c.id.asc()),
    BookSort.TITLE_DESC: (_TITLE_KEY.desc(), books.c.id.desc()),
    BookSort.PRICE: (books.c.price_cents.asc(), books.c.id.asc()),
    BookSort.PRICE_DESC: (books.c.price_cents.desc(), books.c.id.desc()),
    BookSort.CREATED_AT: (books.c.created_at.asc(), books.c.id.asc()),
    BookSort.CREATED_AT_DESC: (books.c.created_at.desc(), books.c.id.desc()),
}


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
    return Book(row.id, details, row.created_at, row.updated_at)


def _detail_values(details: BookDetails) -> dict[str, Any]:
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


class SqlBookRepository:
    """Every read goes to the database: no identity map, so `lock` can never hand out a
    stale copy. Stock only changes through single atomic statements."""

    def __init__(self, conn: Connection, *, lock_rows: bool) -> None:
        self._conn = conn
        self._lock_rows = lock_rows
        self._dialect = conn.dialect.name
        self._stock_seen: dict[int, int] = {}

    def add(self, details: BookDetails, now: datetime) -> Book:
        values = _detail_values(details) | {"created_at": now, "updated_at": now}
        result = self._execute_catalogue_write(insert(books).values(values), details)
        book_id: int = result.inserted_primary_key[0]
        return Book(book_id, details, now, now)

    def get(self, book_id: int) -> Book | None:
        return self.get_many([book_id]).get(book_id)

    def get_many(self, book_ids: Collection[int]) -> dict[int, Book]:
        if not book_ids:
            return {}
        stmt = select(*_COLUMNS).where(books.c.id.in_(book_ids), _IN_CATALOGUE)
        return {book.id: book for book in self._load(self._conn.execute(stmt))}

    def lock(self, book_ids: Collection[int]) -> dict[int, Book]:
        """Fresh rows, locked in ascending id order so crossed orders cannot deadlock.

        PostgreSQL takes `FOR NO KEY UPDATE` row locks (they leave foreign-key checks from
        carts and order lines unblocked); SQLite has no row locks, but a write unit of work
        began with `BEGIN IMMEDIATE` and so already excludes every other writer.
        """
        if not book_ids:
            return {}
        stmt = (
            select(*_COLUMNS)
            .where(books.c.id.in_(sorted(book_ids)), _IN_CATALOGUE)
            .order_by(books.c.id)
        )
        if self._lock_rows:
            stmt = stmt.with_for_update(key_share=True)
        return {book.id: book for book in self._load(self._conn.execute(stmt))}

    def update(self, book: Book) -> None:
        """Write a book's details. The stock is written only if it differs from the stock
        this unit of work read, so an edit made from an unlocked read cannot undo sales."""
        values = _detail_values(book.details) | {"updated_at": book.updated_at}
        if self._stock_seen.get(book.id) == book.stock:
            del values["stock"]
        stmt = update(books).where(books.c.id == book.id, _IN_CATALOGUE).values(values)
        self._execute_catalogue_write(stmt, book.details)
        self._stock_seen[book.id] = book.stock

    def take_stock(self, book_id: int, quantity: int) -> bool:
        stmt = (
            update(books)
            .where(books.c.id == book_id, books.c.stock >= quantity, _IN_CATALOGUE)
            .values(stock=books.c.stock - quantity)
        )
        taken = self._conn.execute(stmt).rowcount == 1
        if taken and book_id in self._stock_seen:
            self._stock_seen[book_id] -= quantity
        return taken

    def add_stock(self, book_id: int, quantity: int, now: datetime) -> Book | None:
        stmt = (
            update(books)
            .where(books.c.id == book_id, books.c.stock <= STOCK.maximum - quantity, _IN_CATALOGUE)
            .values(stock=books.c.stock + quantity, updated_at=now)
            .returning(*_COLUMNS)
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
            .where(books.c.id == book_id, _IN_CATALOGUE)
            .values(removed_at=now, updated_at=now)
        )
        return self._conn.execute(stmt).rowcount == 1

    def search(self, query: BookQuery) -> Page[Book]:
        """One SELECT for the page; one COUNT only when the page cannot tell the total."""
        conditions = _filters(query)
        source: FromClause = books
        sort = query.effective_sort
        order = _SORTS.get(sort, _SORTS[BookSort.TITLE])
        if words := query.search_words:
            match = text_match(self._dialect, words)
            source = match.source
            conditions.append(match.condition)
            if sort is BookSort.RELEVANCE:
                order = (match.best_first, _TITLE_KEY.asc(), books.c.id.asc())
        page = query.page
        stmt = (
            select(*_COLUMNS)
            .select_from(source)
            .where(*conditions)
            .order_by(*order)
            .limit(page.page_size)
            .offset(page.offset)
        )
        items = self._load(self._conn.execute(stmt))
        if len(items) < page.page_size and (items or page.offset == 0):
            total = page.offset + len(items)
        else:
            count = select(func.count()).select_from(source).where(*conditions)
            total = self._conn.execute(count).scalar_one()
        return Page.of(items, page, total)

    def _load(self, rows: Iterable[AnyRow]) -> list[Book]:
        loaded = [book_from_row(row) for row in rows]
        for book in loaded:
            self._stock_seen[book.id] = book.stock
        return loaded

    def _execute_catalogue_write(self, stmt: Any, details: BookDetails) -> Any:
        try:
            return self._conn.execute(stmt)
        except IntegrityError as error:
            if details.isbn is not None and violates(error, "uq_books_isbn", "books.isbn"):
                raise DuplicateIsbn(details.isbn.value) from error
            raise


def _filters(query: BookQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [_IN_CATALOGUE]
    if query.title is not None:
        conditions.append(books.c.title.icontains(query.title, autoescape=True))
    if query.author is not None:
        conditions.append(books.c.author.icontains(query.author, autoescape=True))
    if query.genre is not None:
        conditions.append(func.lower(books.c.genre) == func.lower(query.genre))
    if query.min_price is not None:
        conditions.append(books.c.price_cents >= query.min_price.cents)
    if query.max_price is not None:
        conditions.append(books.c.price_cents <= query.max_price.cents)
    if query.in_stock:
        conditions.append(books.c.stock > 0)
    return conditions
