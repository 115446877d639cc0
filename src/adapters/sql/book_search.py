"""Catalogue search: one SELECT for the page, and a COUNT only when the page cannot tell.

Every filter and sort is backed by an index over the books in the catalogue (see `tables`);
text search goes through the full-text index of the database (see `fulltext`). The
statements of a query's shape (which filters, which order, which database) are built once
and bind the query's values, so they are compiled once too (see `statements`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Float,
    FromClause,
    Integer,
    Select,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.elements import UnaryExpression

from bookstore.adapters.sql.book_rows import BOOK_COLUMNS, IN_CATALOGUE, book_from_row
from bookstore.adapters.sql.fulltext import WORDS, match_expression, text_match
from bookstore.adapters.sql.statements import Db, Params, Row, contains_pattern, page_of
from bookstore.adapters.sql.tables import books, catalogue_counts
from bookstore.application.ports import FacetCount
from bookstore.application.queries import BookQuery, BookSort, fold_case
from bookstore.domain.book import Book
from bookstore.domain.pagination import Page

T = TypeVar("T")

# Ties are broken by id, in the direction of the sort, so an index serves the whole order.
_SORTS: dict[BookSort, tuple[UnaryExpression[Any], ...]] = {
    BookSort.TITLE: (books.c.title_key.asc(), books.c.id.asc()),
    BookSort.TITLE_DESC: (books.c.title_key.desc(), books.c.id.desc()),
    BookSort.PRICE: (books.c.price_cents.asc(), books.c.id.asc()),
    BookSort.PRICE_DESC: (books.c.price_cents.desc(), books.c.id.desc()),
    BookSort.CREATED_AT: (books.c.created_at.asc(), books.c.id.asc()),
    BookSort.CREATED_AT_DESC: (books.c.created_at.desc(), books.c.id.desc()),
    # Not one direction, but the order of the index `ix_books_rating_sort` itself.
    BookSort.RATING_DESC: (
        books.c.rating_mean.desc(),
        books.c.rating_count.desc(),
        books.c.id.asc(),
    ),
}

# Title and author: literal substrings of the folded keys (`contains_pattern`); genre: the
# whole folded value.
_FILTERS: dict[str, ColumnElement[bool]] = {
    "title": books.c.title_key.like(bindparam("title"), escape="/"),
    "author": books.c.author_key.like(bindparam("author"), escape="/"),
    "genre": books.c.genre_key == bindparam("genre"),
    "min_price": books.c.price_cents >= bindparam("min_price"),
    "max_price": books.c.price_cents <= bindparam("max_price"),
    "in_stock": books.c.stock > 0,
    "min_rating": books.c.rating_mean >= bindparam("min_rating", type_=Float),
}

_LIMIT = bindparam("limit", type_=Integer)
_OFFSET = bindparam("offset", type_=Integer)


class Totals:
    """Counts a query's matches afresh every time."""

    def count(self, db: Db, stmt: Select[Any], params: Params, key: Hashable) -> int:
        """The count of `stmt`; `key` names the matches counted (equal keys, equal sets)."""
        return int(db.scalar(stmt, params))

    def rows(self, db: Db, stmt: Select[Any], params: Params, key: Hashable) -> list[Row]:
        """The rows of an aggregate `stmt` (as `count`, named by `key`)."""
        return db.rows(stmt, params)


def genre_counts(db: Db, query: BookQuery, totals: Totals) -> list[FacetCount]:
    """The genres of every book the query matches, counted in one grouped statement over
    the same filters and text match as its page."""
    filters, params, has_words = _shape_of(db, query)
    stmt = _genre_counts(db.dialect, filters, has_words)
    rows = totals.rows(db, stmt, params, ("genres", filters, *params.items()))
    return [FacetCount(value, int(count)) for value, count in rows]


@lru_cache(maxsize=64)
def _genre_counts(dialect: str, filters: tuple[str, ...], has_words: bool) -> Select[Any]:
    """Genres are grouped as the genre filter matches them, case-insensitively, and each
    group is named by its first spelling in code-point order (PostgreSQL compares in the
    "C" collation for that, as Python and SQLite do)."""
    source, conditions = _matching(dialect, filters, has_words)
    genre = books.c.genre.collate("C") if dialect == "postgresql" else books.c.genre
    value = func.min(genre).label("value")
    count = func.count().label("count")
    columns: list[ColumnElement[Any]] = [value, count]
    return (
        select(*columns)
        .select_from(source)
        .where(*conditions)
        .group_by(books.c.genre_key)
        .order_by(count.desc(), value.asc())
    )


def search_books(db: Db, query: BookQuery, totals: Totals) -> Page[Book]:
    filters, params, has_words = _shape_of(db, query)
    shape = _statements(db.dialect, filters, query.effective_sort, has_words)
    page_stmt, count_stmt, total_in_page = shape
    page = query.page
    page_params = params | {"limit": page.page_size, "offset": page.offset}
    rows = db.rows(page_stmt, page_params)
    if total_in_page:
        items = [book_from_row(row[:-1]) for row in rows]
        if rows and rows[0][-1] is not None:
            return Page.of(items, page, int(rows[0][-1]))
    else:
        items = [book_from_row(row) for row in rows]
    return page_of(
        items, page, lambda: totals.count(db, count_stmt, params, (filters, *params.items()))
    )


def _shape_of(db: Db, query: BookQuery) -> tuple[tuple[str, ...], dict[str, Any], bool]:
    """The filters a query uses, the parameters of its statements, and whether it has words
    to match."""
    filters, params = _filters_of(query)
    words = query.search_words
    if words:
        params[WORDS] = match_expression(db.dialect, words)
    return filters, params, bool(words)


def _matching(
    dialect: str, filters: tuple[str, ...], has_words: bool
) -> tuple[FromClause, list[ColumnElement[bool]]]:
    """What the books matching a query's filters and words are selected from, and on what
    conditions."""
    conditions = [IN_CATALOGUE, *(_FILTERS[name] for name in filters)]
    if not has_words:
        return books, conditions
    match = text_match(dialect)
    return match.source, [*conditions, match.condition]


def _filters_of(query: BookQuery) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The names of the filters a query uses, and their parameters."""
    params: dict[str, Any] = {}
    if query.title is not None:
        params["title"] = contains_pattern(fold_case(query.title))
    if query.author is not None:
        params["author"] = contains_pattern(fold_case(query.author))
    if query.genre is not None:
        params["genre"] = fold_case(query.genre)
    if query.min_price is not None:
        params["min_price"] = query.min_price.cents
    if query.max_price is not None:
        params["max_price"] = query.max_price.cents
    if query.min_rating is not None:
        params["min_rating"] = float(query.min_rating)
    filters = (*params, "in_stock") if query.in_stock else tuple(params)
    return filters, params


_CATALOGUE_SIZE = (
    select(catalogue_counts.c.books).where(catalogue_counts.c.id == 1).scalar_subquery()
)
"""The number of books in the catalogue, kept by the database's triggers (migration 0007)."""


@lru_cache(maxsize=256)
def _statements(
    dialect: str, filters: tuple[str, ...], sort: BookSort, has_words: bool
) -> tuple[Select[Any], Select[Any], bool]:
    """The page and count statements of one query shape, and whether each page row ends
    with the total: the whole catalogue's from its kept count; a text search's on
    PostgreSQL counted with the matches its ranking reads anyway (`count(*) OVER ()`)."""
    source, conditions = _matching(dialect, filters, has_words)
    order = _SORTS.get(sort, _SORTS[BookSort.TITLE])
    total: list[ColumnElement[Any]] = []
    if not filters and not has_words:
        total = [_CATALOGUE_SIZE.label("total")]
    if has_words:
        match = text_match(dialect)
        if sort is BookSort.RELEVANCE:
            if dialect == "sqlite" and not filters:
                return _ranked_text_page(), _count(source, conditions), False
            order = (match.best_first, books.c.title_key.asc(), books.c.id.asc())
        if dialect == "postgresql":
            total = [func.count().over().label("total")]
    page = (
        select(*BOOK_COLUMNS, *total)
        .select_from(source)
        .where(*conditions)
        .order_by(*order)
        .limit(_LIMIT)
        .offset(_OFFSET)
    )
    return page, _count(source, conditions), bool(total)


def _count(source: FromClause, conditions: list[ColumnElement[bool]]) -> Select[Any]:
    return select(func.count()).select_from(source).where(*conditions)


def _ranked_text_page() -> Select[Any]:
    """A plain text search by relevance on SQLite ranks every match (bm25, computed by the
    FTS5 index in C) but joins and sorts by title only the matches that can reach the page:
    those scoring no worse than the (offset + limit + removed books)-th best match. At most
    that many removed books score better, so the page's last book scores no worse than that
    cut; and every match up to the cut is kept, ties included, so the page is exactly that
    of ordering every match by (score, title, id)."""
    match = text_match("sqlite")
    matches = (
        select(match.index.c.rowid.label("id"), match.rank.label("score"))
        .select_from(match.index)
        .where(match.condition)
        .cte("matches")
        .prefix_with("MATERIALIZED")
    )
    removed = select(func.count()).select_from(books).where(books.c.removed_at.is_not(None))
    cut = (
        select(matches.c.score)
        .order_by(matches.c.score)
        .limit(1)
        .offset(_OFFSET + _LIMIT - 1 + removed.scalar_subquery())
        .scalar_subquery()
    )
    return (
        select(*BOOK_COLUMNS)
        .select_from(matches.join(books, books.c.id == matches.c.id))
        .where(IN_CATALOGUE, matches.c.score <= func.coalesce(cut, matches.c.score))
        .order_by(matches.c.score.asc(), books.c.title_key.asc(), books.c.id.asc())
        .limit(_LIMIT)
        .offset(_OFFSET)
    )


_COUNTS_KEY = "bookstore_book_counts"
"""Where a pooled SQLite connection keeps its counts (its `info` lives as long as it)."""
_MAX_COUNTS = 256
_DATA_VERSION = text("PRAGMA data_version")


@dataclass
class SqliteTotals(Totals):
    """Counts of a read-only SQLite unit of work, reused while the database is provably
    unchanged.

    `PRAGMA data_version`, read in the same transaction as the count, changes whenever
    another connection (of any process) has committed since; `total_changes` grows with
    every row this connection itself writes. While both are as they were when a total was
    counted, the database holds the same rows, so the total is the same."""

    raw: sqlite3.Connection
    counts: dict[Hashable, tuple[tuple[int, int], Any]]
    changes_before: int

    @classmethod
    def of(cls, pooled: PoolProxiedConnection, raw: sqlite3.Connection) -> SqliteTotals:
        return cls(raw, pooled.info.setdefault(_COUNTS_KEY, {}), raw.total_changes)

    def count(self, db: Db, stmt: Select[Any], params: Params, key: Hashable) -> int:
        return self._remembered(db, key, partial(Totals.count, self, db, stmt, params, key))

    def rows(self, db: Db, stmt: Select[Any], params: Params, key: Hashable) -> list[Row]:
        return self._remembered(db, key, partial(Totals.rows, self, db, stmt, params, key))

    def _remembered(self, db: Db, key: Hashable, compute: Callable[[], T]) -> T:
        if self.raw.total_changes != self.changes_before:  # a "read-only" unit that wrote
            return compute()
        version = (int(db.scalar(_DATA_VERSION)), self.raw.total_changes)
        cached = self.counts.get(key)
        if cached is not None and cached[0] == version:
            return cast(T, cached[1])
        value = compute()
        if len(self.counts) >= _MAX_COUNTS:
            self.counts.clear()
        self.counts[key] = (version, value)
        return value
