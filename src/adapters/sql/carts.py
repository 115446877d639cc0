"""Carts in SQL: one row per line, numbered so the lines keep the order they were added in."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import bindparam, delete, insert, select, update

from bookstore.adapters.sql.statements import Db
from bookstore.adapters.sql.tables import cart_lines, users
from bookstore.domain.cart import Cart

# Built once; each call only binds its values.
_OWNERS_CART = cart_lines.c.user_id == bindparam("owner")
_LOCK_OWNER = (
    select(users.c.id).where(users.c.id == bindparam("owner")).with_for_update(key_share=True)
)
_LINES = (
    select(cart_lines.c.book_id, cart_lines.c.quantity, cart_lines.c.position)
    .where(_OWNERS_CART)
    .order_by(cart_lines.c.position)
)
_DELETE_CART = delete(cart_lines).where(_OWNERS_CART)
_DELETE_LINE = delete(cart_lines).where(_OWNERS_CART, cart_lines.c.book_id == bindparam("book"))
_SET_QUANTITY = (
    update(cart_lines)
    .where(_OWNERS_CART, cart_lines.c.book_id == bindparam("book"))
    .values(quantity=bindparam("copies"))
)
_INSERT_LINES = insert(cart_lines)
_DELETE_BOOK_EVERYWHERE = delete(cart_lines).where(cart_lines.c.book_id == bindparam("book"))

_Lines = dict[int, tuple[int, int]]
"""Book id to (quantity, position), in position order: a cart as this transaction read it."""


class SqlCartRepository:
    """`save` writes only what changed since `get` read the cart in this unit of work (one
    line added, one quantity changed: one statement); otherwise it rewrites the cart."""

    def __init__(self, db: Db, *, lock_rows: bool) -> None:
        self._db = db
        self._lock_rows = lock_rows
        self._read: dict[UUID, _Lines] = {}

    def get(self, user_id: UUID) -> Cart:
        """In a write unit of work on PostgreSQL, reading a cart locks its owner's row until
        the end: two requests of one user that change the cart (or place an order from it)
        run one after the other, so a cart cannot be ordered twice. SQLite's `BEGIN
        IMMEDIATE` serialises them already."""
        params = {"owner": user_id}
        if self._lock_rows:  # a statement of its own: the next one sees what the lock waited for
            self._db.rows(_LOCK_OWNER, params)
        read = {book_id: (qty, pos) for book_id, qty, pos in self._db.rows(_LINES, params)}
        self._read[user_id] = read
        return Cart(user_id, {book_id: qty for book_id, (qty, _) in read.items()})

    def save(self, cart: Cart) -> None:
        read = self._read.get(cart.user_id)
        if read is None or not _only_appended(read, cart.lines):
            self._read[cart.user_id] = self._rewrite(cart)
        else:
            self._read[cart.user_id] = self._write_changes(cart, read)

    def remove_book_everywhere(self, book_id: int) -> None:
        self._db.write(_DELETE_BOOK_EVERYWHERE, {"book": book_id})
        self._read.clear()

    def _rewrite(self, cart: Cart) -> _Lines:
        self._db.send(_DELETE_CART, {"owner": cart.user_id})
        written = {book_id: (qty, n) for n, (book_id, qty) in enumerate(cart.lines.items())}
        self._insert(cart.user_id, written)
        return written

    def _insert(self, user_id: UUID, lines: _Lines) -> None:
        rows = [
            {"user_id": user_id, "book_id": book_id, "quantity": qty, "position": pos}
            for book_id, (qty, pos) in lines.items()
        ]
        self._db.write_many(_INSERT_LINES, rows)

    def _write_changes(self, cart: Cart, read: _Lines) -> _Lines:
        user_id, lines = cart.user_id, cart.lines
        if not lines:
            if read:
                self._db.send(_DELETE_CART, {"owner": user_id})
            return {}
        gone = [{"owner": user_id, "book": b} for b in read if b not in lines]
        self._db.write_many(_DELETE_LINE, gone)
        changed = [
            {"owner": user_id, "book": b, "copies": qty}
            for b, qty in lines.items()
            if b in read and read[b][0] != qty
        ]
        self._db.write_many(_SET_QUANTITY, changed)
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


def _only_appended(read: _Lines, lines: dict[int, int]) -> bool:
    """True when the lines still in the cart keep their order and new ones come after them,
    so the stored positions stay right."""
    kept = [book_id for book_id in read if book_id in lines]
    return list(lines)[: len(kept)] == kept
