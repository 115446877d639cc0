"""Carts in SQL: one row per line, numbered so the lines keep the order they were added in."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from bookstore.adapters.sql.engine import (
    ensure_transaction,
    run_sqlite,
    run_sqlite_many,
    sqlite_driver,
)
from bookstore.adapters.sql.tables import cart_lines, users
from bookstore.domain.cart import Cart

# Built once; each call only binds its values.
_LOCK_OWNER = (
    select(users.c.id).where(users.c.id == bindparam("user_id")).with_for_update(key_share=True)
)
_LINES = (
    select(cart_lines.c.book_id, cart_lines.c.quantity, cart_lines.c.position)
    .where(cart_lines.c.user_id == bindparam("user_id"))
    .order_by(cart_lines.c.position)
)
_DELETE_CART = delete(cart_lines).where(cart_lines.c.user_id == bindparam("user_id"))
_DELETE_LINE = delete(cart_lines).where(
    cart_lines.c.user_id == bindparam("user_id"), cart_lines.c.book_id == bindparam("book_id")
)
_SET_QUANTITY = (
    update(cart_lines)
    .where(
        cart_lines.c.user_id == bindparam("line_user"),
        cart_lines.c.book_id == bindparam("line_book"),
    )
    .values(quantity=bindparam("new_quantity"))
)
_INSERT_LINES = insert(cart_lines)

# The same statements for pysqlite directly (a `Uuid` is stored as its 32 hex digits).
_SQLITE_LINES = (
    "SELECT book_id, quantity, position FROM cart_lines WHERE user_id = ? ORDER BY position"
)
_SQLITE_DELETE_CART = "DELETE FROM cart_lines WHERE user_id = ?"
_SQLITE_DELETE_LINE = "DELETE FROM cart_lines WHERE user_id = ? AND book_id = ?"
_SQLITE_SET_QUANTITY = "UPDATE cart_lines SET quantity = ? WHERE user_id = ? AND book_id = ?"
_SQLITE_INSERT_LINES = (
    "INSERT INTO cart_lines (user_id, book_id, quantity, position) VALUES (?, ?, ?, ?)"
)

_Lines = dict[int, tuple[int, int]]
"""Book id to (quantity, position), in position order: a cart as this transaction read it."""


class SqlCartRepository:
    """`save` writes only what changed since `get` read the cart in this unit of work (one
    line added, one quantity changed: one statement); otherwise it rewrites the cart."""

    def __init__(self, conn: Connection, *, lock_rows: bool) -> None:
        self._conn = conn
        self._lock_rows = lock_rows
        self._read: dict[UUID, _Lines] = {}
        self._raw = sqlite_driver(conn)

    def get(self, user_id: UUID) -> Cart:
        """In a write unit of work on PostgreSQL, reading a cart locks its owner's row until
        the end: two requests of one user that change the cart (or place an order from it)
        run one after the other, so a cart cannot be ordered twice. SQLite's `BEGIN
        IMMEDIATE` serialises them already."""
        if self._raw is not None:
            rows = run_sqlite(self._raw, _SQLITE_LINES, (user_id.hex,)).fetchall()
        else:
            params = {"user_id": user_id}
            if self._lock_rows:
                self._conn.execute(_LOCK_OWNER, params)
            rows = [(row[0], row[1], row[2]) for row in self._conn.execute(_LINES, params)]
        read = {book_id: (qty, pos) for book_id, qty, pos in rows}
        self._read[user_id] = read
        return Cart(user_id, {book_id: qty for book_id, (qty, _) in read.items()})

    def save(self, cart: Cart) -> None:
        read = self._read.get(cart.user_id)
        if read is None or not _only_appended(read, cart.lines):
            self._read[cart.user_id] = self._rewrite(cart)
        else:
            self._read[cart.user_id] = self._write_changes(cart, read)

    def remove_book_everywhere(self, book_id: int) -> None:
        self._conn.execute(delete(cart_lines).where(cart_lines.c.book_id == book_id))
        self._read.clear()

    def _rewrite(self, cart: Cart) -> _Lines:
        self._delete_cart(cart.user_id)
        written = {book_id: (qty, n) for n, (book_id, qty) in enumerate(cart.lines.items())}
        self._insert(cart.user_id, written)
        return written

    def _delete_cart(self, user_id: UUID) -> None:
        if self._raw is not None:
            ensure_transaction(self._conn)
            run_sqlite(self._raw, _SQLITE_DELETE_CART, (user_id.hex,))
        else:
            self._conn.execute(_DELETE_CART, {"user_id": user_id})

    def _insert(self, user_id: UUID, lines: _Lines) -> None:
        if not lines:
            return
        if self._raw is not None:
            ensure_transaction(self._conn)
            rows = [(user_id.hex, b, qty, pos) for b, (qty, pos) in lines.items()]
            run_sqlite_many(self._raw, _SQLITE_INSERT_LINES, rows)
        else:
            self._conn.execute(
                _INSERT_LINES,
                [
                    {"user_id": user_id, "book_id": b, "quantity": qty, "position": pos}
                    for b, (qty, pos) in lines.items()
                ],
            )

    def _write_changes(self, cart: Cart, read: _Lines) -> _Lines:
        user_id, lines = cart.user_id, cart.lines
        if not lines:
            if read:
                self._delete_cart(user_id)
            return {}
        if gone := [b for b in read if b not in lines]:
            self._delete_lines(user_id, gone)
        if changed := [(b, qty) for b, qty in lines.items() if b in read and read[b][0] != qty]:
            self._set_quantities(user_id, changed)
        next_position = max((pos for _, pos in read.values()), default=-1) + 1
        written: _Lines = {}
        added: _Lines = {}
        for book_id, qty in lines.items():
            if book_id in read:
                written[book_id] = (qty, read[book_id][1])
            else:
                written[book_id] = added[book_id] = (qty, next_position)
                next_position += 1
        self._insert(user_id, added)
        return written

    def _delete_lines(self, user_id: UUID, book_ids: list[int]) -> None:
        if self._raw is not None:
            ensure_transaction(self._conn)
            rows = [(user_id.hex, b) for b in book_ids]
            run_sqlite_many(self._raw, _SQLITE_DELETE_LINE, rows)
        else:
            params = [{"user_id": user_id, "book_id": b} for b in book_ids]
            self._conn.execute(_DELETE_LINE, params)

    def _set_quantities(self, user_id: UUID, changes: list[tuple[int, int]]) -> None:
        if self._raw is not None:
            ensure_transaction(self._conn)
            rows = [(qty, user_id.hex, b) for b, qty in changes]
            run_sqlite_many(self._raw, _SQLITE_SET_QUANTITY, rows)
        else:
            params = [
                {"line_user": user_id, "line_book": b, "new_quantity": qty} for b, qty in changes
            ]
            self._conn.execute(_SET_QUANTITY, params)


def _only_appended(read: _Lines, lines: dict[int, int]) -> bool:
    """True when the lines still in the cart keep their order and new ones come after them,
    so the stored positions stay right."""
    kept = [book_id for book_id in read if book_id in lines]
    return list(lines)[: len(kept)] == kept
