"""Catalogue reads (and the stock decrement) on SQLite through the driver directly: fixed SQL
text, tuples in.

The hot reads (one book by id, a catalogue page, a text search) are short indexed queries on
which SQLAlchemy's per-call work (statement building, cache keys, result processing) costs
far more than SQLite itself. Here each query shape is written once as SQL text and run on
the unit of work's own DB-API connection, inside its transaction. The SQL is the same the
Core statements of `book_search` render, so the plans and the results are the same.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection

from bookstore.adapters.sql.engine import READ_ONLY
from bookstore.adapters.sql.fulltext import FTS_TABLE, FTS_WEIGHTS
from bookstore.application.queries import BookQuery, BookSort
from bookstore.domain.book import Book, BookDetails
from bookstore.domain.money import Money
from bookstore.domain.pagination import Page
from bookstore.domain.values import Isbn

Counts = dict[tuple[Any, ...], tuple[tuple[int, int], int]]
"""Totals counted on one connection, by query and parameters, with the data version they
were counted at (see `_total`)."""

_COUNTS_KEY = "bookstore_book_counts"
"""Where a pooled connection keeps its `Counts` (in its `info`, which lives as long as it)."""
_MAX_COUNTS = 256

_COLUMNS = (
    "books.id, books.title, books.author, books.genre, books.price_cents, books.stock, "
    "books.isbn, books.description, books.published_year, books.created_at, books.updated_at"
)
_IN_CATALOGUE = "books.removed_at IS NULL"
# Every SQL text here is put together from the fixed fragments of this module only; the
# values always travel as bound parameters.
_GET_ONE = f"SELECT {_COLUMNS} FROM books WHERE books.id = ? AND {_IN_CATALOGUE}"  # noqa: S608
_TAKE_STOCK = (
    "UPDATE books SET stock = books.stock - ? "  # noqa: S608
    f"WHERE books.id = ? AND books.stock >= ? AND {_IN_CATALOGUE}"
)
_MAX_IN_LIST = 100
"""Above this many ids, `get_in_order` binds them in several statements (SQLite limits the
number of parameters of one statement; a cart holds far fewer books)."""

# Ties are broken by id, in the direction of the sort, so an index serves the whole order.
_ORDERS = {
    BookSort.TITLE: "lower(books.title) ASC, books.id ASC",
    BookSort.TITLE_DESC: "lower(books.title) DESC, books.id DESC",
    BookSort.PRICE: "books.price_cents ASC, books.id ASC",
    BookSort.PRICE_DESC: "books.price_cents DESC, books.id DESC",
    BookSort.CREATED_AT: "books.created_at ASC, books.id ASC",
    BookSort.CREATED_AT_DESC: "books.created_at DESC, books.id DESC",
}
_WEIGHTS = ", ".join(str(weight) for weight in FTS_WEIGHTS)
_BY_RELEVANCE = f"bm25({FTS_TABLE}, {_WEIGHTS}) ASC, lower(books.title) ASC, books.id ASC"
_TEXT_SOURCE = f"books JOIN {FTS_TABLE} ON {FTS_TABLE}.rowid = books.id"

# A plain text search by relevance ranks every match (bm25 is computed by the index, in C)
# but joins and sorts by title only the matches that can reach the page: those scoring no
# worse than the (offset + limit + removed books)-th best match. At most that many removed
# books can score better, so the page's last book scores no worse than that cut; and the
# matches kept are all those up to the cut, ties included, so the order and the page are
# exactly those of `_BY_RELEVANCE` over every match. (Parameters: the match, the cut's
# position, limit, offset.) 100,000 books, 1,615 matches: 3.6 -> 2.1 ms.
_RANKED_TEXT_PAGE = f"""
WITH matches AS MATERIALIZED (
    SELECT rowid AS id, bm25({FTS_TABLE}, {_WEIGHTS}) AS score
    FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?
)
SELECT {_COLUMNS} FROM matches JOIN books ON books.id = matches.id
WHERE {_IN_CATALOGUE} AND matches.score <= coalesce((
    SELECT score FROM matches ORDER BY score LIMIT 1
    OFFSET ? + (SELECT count(*) FROM books WHERE books.removed_at IS NOT NULL)
), matches.score)
ORDER BY matches.score ASC, lower(books.title) ASC, books.id ASC LIMIT ? OFFSET ?
"""  # noqa: S608

# Title and author: literal substrings, LIKE wildcards escaped with '/' (as SQLAlchemy's
# `icontains(autoescape=True)` does); genre: the whole value; all case-insensitively.
_CONDITIONS = {
    "title": "lower(books.title) LIKE '%' || lower(?) || '%' ESCAPE '/'",
    "author": "lower(books.author) LIKE '%' || lower(?) || '%' ESCAPE '/'",
    "genre": "lower(books.genre) = lower(?)",
    "min_price": "books.price_cents >= ?",
    "max_price": "books.price_cents <= ?",
    "in_stock": "books.stock > 0",
    "text": f"{FTS_TABLE} MATCH ?",
}


class SqliteBookReads:
    """The catalogue reads of one unit of work, on its pysqlite connection."""

    __slots__ = ("_changes_before", "_conn", "_counts")

    def __init__(self, conn: sqlite3.Connection, counts: Counts | None) -> None:
        self._conn = conn
        self._counts = counts
        self._changes_before = conn.total_changes

    @classmethod
    def over(cls, conn: Connection) -> SqliteBookReads | None:
        """None on another driver, or when someone watches the statements (echo,
        `before/after_cursor_execute` listeners: tracing, tests), who would not see these.
        Totals are reused only in read-only transactions (see `_total`)."""
        if conn.dialect.name != "sqlite" or conn.engine.echo:
            return None
        if conn.dispatch.before_cursor_execute or conn.dispatch.after_cursor_execute:
            return None
        pooled = conn.connection
        raw = pooled.driver_connection
        if not isinstance(raw, sqlite3.Connection):
            return None
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        return cls(raw, pooled.info.setdefault(_COUNTS_KEY, {}) if read_only else None)

    def get(self, book_id: int) -> Book | None:
        row = self._conn.execute(_GET_ONE, (book_id,)).fetchone()
        return None if row is None else book_from_tuple(row)

    def get_in_order(self, book_ids: list[int]) -> list[Book]:
        """The books of `book_ids` (sorted, distinct) still in the catalogue, in id order."""
        found: list[Book] = []
        for start in range(0, len(book_ids), _MAX_IN_LIST):
            chunk = book_ids[start : start + _MAX_IN_LIST]
            rows = self._conn.execute(_get_in_order_sql(len(chunk)), chunk).fetchall()
            found.extend(book_from_tuple(row) for row in rows)
        return found

    def take_stock(self, book_id: int, quantity: int) -> bool:
        """The conditional decrement of `SqlBookRepository.take_stock`, as fixed SQL."""
        return self._conn.execute(_TAKE_STOCK, (quantity, book_id, quantity)).rowcount == 1

    def search(self, query: BookQuery) -> Page[Book]:
        page_sql, count_sql, params = search_sql(query)
        page = query.page
        args = page_parameters(page_sql, params, page.page_size, page.offset)
        rows = self._conn.execute(page_sql, args).fetchall()
        items = [book_from_tuple(row) for row in rows]
        if len(items) < page.page_size and (items or page.offset == 0):
            return Page.of(items, page, page.offset + len(items))
        # Belt and braces: a "read-only" unit of work that wrote anyway counts afresh.
        unchanged = self._conn.total_changes == self._changes_before
        counts = self._counts if unchanged else None
        return Page.of(items, page, _total(self._conn, count_sql, params, counts))


def page_parameters(page_sql: str, params: list[Any], limit: int, offset: int) -> tuple[Any, ...]:
    """The parameters of a page SQL of `search_sql`, for one page."""
    if page_sql is _RANKED_TEXT_PAGE:
        return (*params, offset + limit - 1, limit, offset)
    return (*params, limit, offset)


def search_sql(query: BookQuery) -> tuple[str, str, list[Any]]:
    """The page SQL (see `page_parameters`), the count SQL, and the parameters they share,
    for a query."""
    names, params = _conditions(query)
    sort = query.effective_sort
    by_relevance = sort is BookSort.RELEVANCE and "text" in names
    page_sql, count_sql = _statements(names, None if by_relevance else sort)
    if by_relevance and names == ("text",):
        page_sql = _RANKED_TEXT_PAGE
    return page_sql, count_sql, params


def _total(
    conn: sqlite3.Connection, count_sql: str, params: list[Any], counts: Counts | None
) -> int:
    """An exact count, reused while the database is provably unchanged.

    `counts` belongs to this connection and is given only in read-only transactions (no
    uncommitted writes of its own). `PRAGMA data_version`, read in the same transaction as
    the count, changes whenever another connection (of any process) has committed since;
    `total_changes` grows with every row this connection itself writes, committed or not.
    While both are as they were when a total was counted, the database holds the same rows,
    so the total is the same."""
    if counts is None:
        return int(conn.execute(count_sql, params).fetchone()[0])
    version = (conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes)
    key = (count_sql, *params)
    cached = counts.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    total = int(conn.execute(count_sql, params).fetchone()[0])
    if len(counts) >= _MAX_COUNTS:
        counts.clear()
    counts[key] = (version, total)
    return total


def book_from_tuple(row: tuple[Any, ...]) -> Book:
    """A new `Book` (entities change; each caller gets its own) over the row's immutable
    parts, which are shared with every other read of the same row (`_parts_of`)."""
    details, created_at, updated_at = _parts_of(row)
    return Book(row[0], details, created_at, updated_at)


@lru_cache(maxsize=1024)
def _parts_of(row: tuple[Any, ...]) -> tuple[BookDetails, datetime, datetime]:
    """The details and times of a row. They are immutable, and a row holds every column,
    stock and `updated_at` included, so a row read again has the same parts: remembered for
    the most-read rows, which spares parsing the same page over and over (and lets the HTTP
    layer reuse what it made of them)."""
    (_, title, author, genre, cents, stock, isbn, description, year, created, updated) = row
    details = BookDetails(
        title, author, genre, Money(cents), stock, Isbn(isbn) if isbn is not None else None,
        description, year,
    )  # fmt: skip
    return details, _utc(created), _utc(updated)


def _utc(stored: str) -> datetime:
    """SQLite holds naive UTC text (see `UtcDateTime`); parsed with its offset, the result
    is aware at once (a `replace(tzinfo=...)` afterwards costs more than the parse)."""
    return datetime.fromisoformat(stored + "+00:00")


def _conditions(query: BookQuery) -> tuple[tuple[str, ...], list[Any]]:
    names: list[str] = []
    params: list[Any] = []
    for name, value in (
        ("title", _escaped(query.title)),
        ("author", _escaped(query.author)),
        ("genre", query.genre),
        ("min_price", query.min_price.cents if query.min_price is not None else None),
        ("max_price", query.max_price.cents if query.max_price is not None else None),
    ):
        if value is not None:
            names.append(name)
            params.append(value)
    if query.in_stock:
        names.append("in_stock")
    if words := query.search_words:
        names.append("text")
        params.append(" AND ".join(f'"{word}"*' for word in words))
    return tuple(names), params


def _escaped(text: str | None) -> str | None:
    if text is None:
        return None
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


@lru_cache(maxsize=_MAX_IN_LIST)
def _get_in_order_sql(count: int) -> str:
    marks = ", ".join("?" * count)
    return f"SELECT {_COLUMNS} FROM books WHERE books.id IN ({marks}) AND {_IN_CATALOGUE} ORDER BY books.id"  # noqa: S608, E501


@lru_cache(maxsize=256)
def _statements(names: tuple[str, ...], sort: BookSort | None) -> tuple[str, str]:
    """The page and count SQL of one query shape; `sort` None means by relevance."""
    source = _TEXT_SOURCE if "text" in names else "books"
    where = " AND ".join([_IN_CATALOGUE, *(_CONDITIONS[name] for name in names)])
    order = _BY_RELEVANCE if sort is None else _ORDERS.get(sort, _ORDERS[BookSort.TITLE])
    page = f"SELECT {_COLUMNS} FROM {source} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?"  # noqa: S608
    return page, f"SELECT count(*) FROM {source} WHERE {where}"  # noqa: S608
