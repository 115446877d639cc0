"""Orders in SQL: an `orders` row and its numbered `order_lines`."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import Connection, bindparam, func, insert, select
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

from bookstore.adapters.sql.engine import (
    ensure_transaction,
    run_sqlite,
    run_sqlite_many,
    sqlite_driver,
)
from bookstore.adapters.sql.order_history import (
    add_history,
    load_histories,
    order_from_row,
    write_transition,
)
from bookstore.adapters.sql.rows import AnyRow
from bookstore.adapters.sql.tables import order_lines, orders
from bookstore.application.queries import OrderQuery
from bookstore.domain.money import Money
from bookstore.domain.order import Order, OrderLine, OrderTransition
from bookstore.domain.pagination import Page

_LINE_COLUMNS = (
    order_lines.c.order_id,
    order_lines.c.book_id,
    order_lines.c.title,
    order_lines.c.unit_price_cents,
    order_lines.c.quantity,
)


# Built once; each call only binds its values.
_INSERT_ORDER = insert(orders)
_INSERT_LINES = insert(order_lines)
_ONE_ORDER = select(orders).where(orders.c.id == bindparam("order_id"))

# The same inserts for pysqlite directly: a `Uuid` is stored as its 32 hex digits, a
# timestamp as SQLAlchemy's own processor for SQLite writes it.
_SQLITE_INSERT_ORDER = (
    "INSERT INTO orders (id, user_id, status, total_cents, created_at) VALUES (?, ?, ?, ?, ?)"
)
_SQLITE_INSERT_LINES = (
    "INSERT INTO order_lines (order_id, line_no, book_id, title, unit_price_cents, quantity)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
_sqlite_time = orders.c.created_at.type.bind_processor(SQLiteDialect_pysqlite())


def _line_from_row(row: AnyRow) -> OrderLine:
    return OrderLine(row.book_id, row.title, Money(row.unit_price_cents), row.quantity)


_Orders = list[Order]


class SqlOrderRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, order: Order) -> None:
        raw = sqlite_driver(self._conn)
        if raw is not None and _sqlite_time is not None:
            ensure_transaction(self._conn)
            _add_sqlite(raw, order, _sqlite_time(order.created_at))
            add_history(self._conn, order)
            return
        self._conn.execute(
            _INSERT_ORDER,
            {
                "id": order.id,
                "user_id": order.user_id,
                "status": order.status.value,
                "total_cents": order.total.cents,
                "created_at": order.created_at,
            },
        )
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
        if lines:
            self._conn.execute(_INSERT_LINES, lines)
        add_history(self._conn, order)

    def get(self, order_id: UUID) -> Order | None:
        row = self._conn.execute(_ONE_ORDER, {"order_id": order_id}).first()
        return self._with_lines([row])[0] if row is not None else None

    def transition(self, transition: OrderTransition) -> bool:
        return write_transition(self._conn, transition)

    def list(self, query: OrderQuery) -> Page[Order]:
        """Newest first (ties broken by id); three queries whatever the page size."""
        conditions = []
        if query.user_id is not None:
            conditions.append(orders.c.user_id == query.user_id)
        if query.status is not None:
            conditions.append(orders.c.status == query.status.value)
        page = query.page
        stmt = (
            select(orders)
            .where(*conditions)
            .order_by(orders.c.created_at.desc(), orders.c.id.desc())
            .limit(page.page_size)
            .offset(page.offset)
        )
        items = self._with_lines(self._conn.execute(stmt).all())
        if len(items) < page.page_size and (items or page.offset == 0):
            return Page.of(items, page, page.offset + len(items))
        count = select(func.count()).select_from(orders).where(*conditions)
        return Page.of(items, page, self._conn.execute(count).scalar_one())

    def _with_lines(self, rows: Iterable[AnyRow]) -> _Orders:
        heads = list(rows)
        if not heads:
            return []
        stmt = (
            select(*_LINE_COLUMNS)
            .where(order_lines.c.order_id.in_([row.id for row in heads]))
            .order_by(order_lines.c.order_id, order_lines.c.line_no)
        )
        lines: defaultdict[UUID, list[OrderLine]] = defaultdict(list)
        for line in self._conn.execute(stmt):
            lines[line.order_id].append(_line_from_row(line))
        histories = load_histories(self._conn, [row.id for row in heads])
        return [order_from_row(row, lines[row.id], histories.get(row.id, ())) for row in heads]


def _add_sqlite(raw: sqlite3.Connection, order: Order, created_at: object) -> None:
    order_id = order.id.hex
    head = (order_id, order.user_id.hex, order.status.value, order.total.cents, created_at)
    run_sqlite(raw, _SQLITE_INSERT_ORDER, head)
    lines = [
        (order_id, n, line.book_id, line.title, line.unit_price.cents, line.quantity)
        for n, line in enumerate(order.lines, start=1)
    ]
    if lines:
        run_sqlite_many(raw, _SQLITE_INSERT_LINES, lines)
