"""Catalogue search: one SELECT for the page, and a COUNT only when the page cannot tell.

Every filter and sort is backed by an index over the books in the catalogue (see `tables`);
text search goes through the full-text index of the database (see `fulltext`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, FromClause, func, select
from sqlalchemy.sql.elements import UnaryExpression

from bookstore.adapters.sql.book_rows import BOOK_COLUMNS, IN_CATALOGUE, book_from_row
from bookstore.adapters.sql.fulltext import text_match
from bookstore.adapters.sql.tables import books
from bookstore.application.queries import BookQuery, BookSort
from bookstore.domain.book import Book
from bookstore.domain.pagination import Page

_TITLE_KEY = func.lower(books.c.title)

# Ties are broken by id, in the direction of the sort, so an index serves the whole order.
_SORTS: dict[BookSort, tuple[UnaryExpression[Any], ...]] = {
    BookSort.TITLE: (_TITLE_KEY.asc(), books.c.id.asc()),
    BookSort.TITLE_DESC: (_TITLE_KEY.desc(), books.c.id.desc()),
    BookSort.PRICE: (books.c.price_cents.asc(), books.c.id.asc()),
    BookSort.PRICE_DESC: (books.c.price_cents.desc(), books.c.id.desc()),
    BookSort.CREATED_AT: (books.c.created_at.asc(), books.c.id.asc()),
    BookSort.CREATED_AT_DESC: (books.c.created_at.desc(), books.c.id.desc()),
}


def search_books(conn: Connection, query: BookQuery) -> Page[Book]:
    conditions = _filters(query)
    source: FromClause = books
    sort = query.effective_sort
    order = _SORTS.get(sort, _SORTS[BookSort.TITLE])
    if words := query.search_words:
        match = text_match(conn.dialect.name, words)
        source = match.source
        conditions.append(match.condition)
        if sort is BookSort.RELEVANCE:
            order = (match.best_first, _TITLE_KEY.asc(), books.c.id.asc())
    page = query.page
    stmt = (
        select(*BOOK_COLUMNS)
        .select_from(source)
        .where(*conditions)
        .order_by(*order)
        .limit(page.page_size)
        .offset(page.offset)
    )
    items = [book_from_row(row) for row in conn.execute(stmt)]
    if len(items) < page.page_size and (items or page.offset == 0):
        return Page.of(items, page, page.offset + len(items))
    count = select(func.count()).select_from(source).where(*conditions)
    return Page.of(items, page, conn.execute(count).scalar_one())


def _filters(query: BookQuery) -> list[ColumnElement[bool]]:
    """Title and author: literal substrings (LIKE wildcards escaped); genre: the whole value;
    all case-insensitively."""
    conditions: list[ColumnElement[bool]] = [IN_CATALOGUE]
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
