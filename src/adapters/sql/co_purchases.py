"""What customers bought together, read from the order lines by index (§15).

Nothing is kept for it: the lines of the orders holding a book are found in
`ix_order_lines_book_id_order_id` alone, each order's status by its key, and the other lines
of those orders by the lines' key, so the work grows with the orders of the books asked
about, not with the catalogue or the order book (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from uuid import UUID

from sqlalchemy import Integer, Select, Subquery, bindparam, func, select
from sqlalchemy.sql.elements import ColumnElement

from bookstore.adapters.sql.book_rows import BOOK_COLUMNS, IN_CATALOGUE, book_from_row
from bookstore.adapters.sql.statements import Db
from bookstore.adapters.sql.tables import books, order_lines, orders
from bookstore.domain.book import Book
from bookstore.domain.order import OrderStatus

_LIMIT = bindparam("limit", type_=Integer)
_NOT_CANCELLED = orders.c.status != bindparam("cancelled")
_CANCELLED = {"cancelled": OrderStatus.CANCELLED.value}
_IN_STOCK = books.c.stock > 0

_seed = order_lines.alias("seed")
"""The lines of the books asked about."""
_other = order_lines.alias("other")
"""The other lines of the orders holding them."""

_bought_by_user = (
    select(order_lines.c.book_id)
    .select_from(order_lines.join(orders, orders.c.id == order_lines.c.order_id))
    .where(orders.c.user_id == bindparam("user_id"), _NOT_CANCELLED)
    .distinct()
    .cte("bought")
)


def _together(seed: ColumnElement[bool], other: ColumnElement[bool]) -> Subquery:
    """Books in the same orders (not cancelled) as the seed lines, with in how many."""
    return (
        select(_other.c.book_id, func.count().label("together"))
        .select_from(
            _seed.join(orders, orders.c.id == _seed.c.order_id).join(
                _other, _other.c.order_id == _seed.c.order_id
            )
        )
        .where(seed, _NOT_CANCELLED, other)
        .group_by(_other.c.book_id)
        .subquery("pairs")
    )


def _strongest(pairs: Subquery, *conditions: ColumnElement[bool]) -> Select[Any]:
    return (
        select(*BOOK_COLUMNS)
        .select_from(pairs.join(books, books.c.id == pairs.c.book_id))
        .where(IN_CATALOGUE, *conditions)
        .order_by(pairs.c.together.desc(), books.c.title_key.asc(), books.c.id.asc())
        .limit(_LIMIT)
    )


_BOOK = bindparam("book_id", type_=Integer)
_ALSO_BOUGHT = _strongest(_together(_seed.c.book_id == _BOOK, _other.c.book_id != _BOOK))

_mine = select(_bought_by_user.c.book_id)
_BOUGHT_WITH_MINE = _strongest(
    _together(_seed.c.book_id.in_(_mine), _other.c.book_id.not_in(_mine)), _IN_STOCK
)
_TOP_RATED_UNBOUGHT = (
    select(*BOOK_COLUMNS)
    .where(IN_CATALOGUE, _IN_STOCK, books.c.id.not_in(_mine))
    .order_by(books.c.rating_mean.desc(), books.c.rating_count.desc(), books.c.id.asc())
    .limit(_LIMIT)
)


class SqlCoPurchases:
    def __init__(self, db: Db) -> None:
        self._db = db

    def also_bought(self, book_id: int, limit: int) -> list[Book]:
        params = _CANCELLED | {"book_id": book_id, "limit": limit}
        return [book_from_row(row) for row in self._db.rows(_ALSO_BOUGHT, params)]

    def bought_with_mine(self, user_id: UUID, limit: int) -> list[Book]:
        params = _CANCELLED | {"user_id": user_id, "limit": limit}
        return [book_from_row(row) for row in self._db.rows(_BOUGHT_WITH_MINE, params)]

    def top_rated_unbought(
        self, user_id: UUID, limit: int, excluding: Collection[int] = ()
    ) -> list[Book]:
        left_out = set(excluding)
        params = _CANCELLED | {"user_id": user_id, "limit": limit + len(left_out)}
        rows = self._db.rows(_TOP_RATED_UNBOUGHT, params)
        found = [book for book in map(book_from_row, rows) if book.id not in left_out]
        return found[:limit]
