"""Carts in SQL: one row per line, numbered so the lines keep the order they were added in."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Connection, delete, insert, select

from bookstore.adapters.sql.tables import cart_lines, users
from bookstore.domain.cart import Cart


class SqlCartRepository:
    def __init__(self, conn: Connection, *, lock_rows: bool) -> None:
        self._conn = conn
        self._lock_rows = lock_rows

    def get(self, user_id: UUID) -> Cart:
        """In a write unit of work on PostgreSQL, reading a cart locks its owner's row until
        the end: two requests of one user that change the cart (or place an order from it)
        run one after the other, so a cart cannot be ordered twice. SQLite's `BEGIN
        IMMEDIATE` serialises them already."""
        if self._lock_rows:
            owner = select(users.c.id).where(users.c.id == user_id)
            self._conn.execute(owner.with_for_update(key_share=True))
        stmt = (
            select(cart_lines.c.book_id, cart_lines.c.quantity)
            .where(cart_lines.c.user_id == user_id)
            .order_by(cart_lines.c.position)
        )
        lines = {row.book_id: row.quantity for row in self._conn.execute(stmt)}
        return Cart(user_id, lines)

    def save(self, cart: Cart) -> None:
        self._conn.execute(delete(cart_lines).where(cart_lines.c.user_id == cart.user_id))
        if cart.lines:
            rows = [
                {"user_id": cart.user_id, "book_id": book_id, "quantity": qty, "position": n}
                for n, (book_id, qty) in enumerate(cart.lines.items())
            ]
            self._conn.execute(insert(cart_lines), rows)

    def remove_book_everywhere(self, book_id: int) -> None:
        self._conn.execute(delete(cart_lines).where(cart_lines.c.book_id == book_id))
