"""Orders in SQL: an `orders` row and its numbered `order_lines`."""

from __future__ import annotations

import builtins
from collections import defaultdict
from dataclasses import replace
from functools import lru_cache
from typing import Any
from uuid import UUID

from sqlalchemy import Select, bindparam, insert, select

from bookstore.adapters.sql.coupon_tables import order_coupons
from bookstore.adapters.sql.order_history import (
    ORDER_COLUMNS,
    add_history,
    load_histories,
    order_from_row,
    write_transition,
)
from bookstore.adapters.sql.statements import Db, Row, in_list, listing, page_of, rows_in
from bookstore.adapters.sql.tables import order_lines, orders
from bookstore.application.queries import OrderQuery
from bookstore.domain.money import Money
from bookstore.domain.order import Order, OrderCoupon, OrderLine, OrderTransition
from bookstore.domain.pagination import Page

_HEAD_COLUMNS = (*ORDER_COLUMNS, orders.c.discount_cents)

# Built once; each call only binds its values.
_INSERT_ORDER = insert(orders)
_INSERT_LINES = insert(order_lines)
_INSERT_COUPONS = insert(order_coupons)
_ONE_ORDER = select(*_HEAD_COLUMNS).where(orders.c.id == bindparam("order_id"))
_NEWEST_FIRST = (orders.c.created_at.desc(), orders.c.id.desc())


@lru_cache(maxsize=100)
def _lines_of(count: int) -> Select[Any]:
    return (
        select(
            order_lines.c.order_id,
            order_lines.c.book_id,
            order_lines.c.title,
            order_lines.c.unit_price_cents,
            order_lines.c.quantity,
        )
        .where(in_list(order_lines.c.order_id, count))
        .order_by(order_lines.c.order_id, order_lines.c.line_no)
    )


@lru_cache(maxsize=100)
def _coupons_of(count: int) -> Select[Any]:
    return (
        select(order_coupons.c.order_id, order_coupons.c.code, order_coupons.c.discount_cents)
        .where(in_list(order_coupons.c.order_id, count))
        .order_by(order_coupons.c.order_id, order_coupons.c.position)
    )


@lru_cache(maxsize=4)
def _listing(by_user: bool, by_status: bool) -> tuple[Select[Any], Select[Any]]:
    """The page and count statements of an order listing with these filters."""
    conditions = []
    if by_user:
        conditions.append(orders.c.user_id == bindparam("user_id"))
    if by_status:
        conditions.append(orders.c.status == bindparam("status"))
    return listing(orders, _HEAD_COLUMNS, conditions, _NEWEST_FIRST)


class SqlOrderRepository:
    def __init__(self, db: Db) -> None:
        self._db = db

    def add(self, order: Order) -> None:
        head = {
            "id": order.id,
            "user_id": order.user_id,
            "status": order.status.value,
            "total_cents": order.total.cents,
            "created_at": order.created_at,
        }
        if order.coupons:  # otherwise NULL: nothing more to send, nor to read back
            head["discount_cents"] = order.discount.cents
        self._db.send(_INSERT_ORDER, head)
        lines = [
            {
                "order_id": order.id,
                "line_no": n,
                "book_id": line.book_id,
                "title": line.title,
                "unit_price_cents": line.unit_price.cents,
                "quantity": line.quantity,
            }
            for n, line in enumerate(order.lines, start=1)
        ]
        self._db.write_many(_INSERT_LINES, lines)
        add_history(self._db, order)
        coupons = [
            {
                "order_id": order.id,
                "position": n,
                "code": c.code,
                "discount_cents": c.discount.cents,
            }
            for n, c in enumerate(order.coupons, start=1)
        ]
        self._db.write_many(_INSERT_COUPONS, coupons)

    def transition(self, transition: OrderTransition) -> bool:
        return write_transition(self._db, transition)

    def get(self, order_id: UUID) -> Order | None:
        row = self._db.first(_ONE_ORDER, {"order_id": order_id})
        return self._with_lines([row])[0] if row is not None else None

    def list(self, query: OrderQuery) -> Page[Order]:
        """Newest first (ties broken by id); three queries whatever the page size."""
        params: dict[str, Any] = {}
        if query.user_id is not None:
            params["user_id"] = query.user_id
        if query.status is not None:
            params["status"] = query.status.value
        page_stmt, count_stmt = _listing(query.user_id is not None, query.status is not None)
        page = query.page
        page_params = params | {"limit": page.page_size, "offset": page.offset}
        items = self._with_lines(self._db.rows(page_stmt, page_params))
        return page_of(items, page, lambda: self._db.scalar(count_stmt, params))

    def _with_lines(self, heads: builtins.list[Row]) -> builtins.list[Order]:
        lines: defaultdict[UUID, list[OrderLine]] = defaultdict(list)
        order_ids = [head[0] for head in heads]
        for order_id, book_id, title, cents, quantity in rows_in(self._db, _lines_of, order_ids):
            lines[order_id].append(OrderLine(book_id, title, Money(cents), quantity))
        histories = load_histories(self._db, order_ids)
        coupons = self._coupons([head[0] for head in heads if head[-1] is not None])
        return [
            replace(
                order_from_row(head[:-1], lines[head[0]], histories.get(head[0], ())),
                coupons=tuple(coupons[head[0]]),
            )
            for head in heads
        ]

    def _coupons(
        self, order_ids: builtins.list[UUID]
    ) -> defaultdict[UUID, builtins.list[OrderCoupon]]:
        """The coupons of these orders (those that carried any), in the order they were added."""
        found: defaultdict[UUID, builtins.list[OrderCoupon]] = defaultdict(builtins.list)
        for order_id, code, cents in rows_in(self._db, _coupons_of, order_ids):
            found[order_id].append(OrderCoupon(code, Money(cents)))
        return found
