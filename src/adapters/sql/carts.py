"""Carts in SQL: one row per line, numbered so the lines keep the order they were added in,
each with the price it was quoted at; and, beside them, the cart's coupons (in the order they
were added) and the notices of books that left the catalogue (§13)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import (
    Integer,
    String,
    bindparam,
    cast,
    delete,
    insert,
    literal_column,
    null,
    select,
    union_all,
    update,
)

from bookstore.adapters.sql.coupon_tables import cart_coupons, cart_unavailable
from bookstore.adapters.sql.statements import Db
from bookstore.adapters.sql.tables import cart_lines, users
from bookstore.domain.cart import Cart
from bookstore.domain.money import Money

# Built once; each call only binds its values.
_OWNERS_CART = cart_lines.c.user_id == bindparam("owner")
_OWNERS_COUPONS = cart_coupons.c.user_id == bindparam("owner")
_OWNERS_NOTICES = cart_unavailable.c.user_id == bindparam("owner")
_LOCK_OWNER = (
    select(users.c.id).where(users.c.id == bindparam("owner")).with_for_update(key_share=True)
)
_LINE, _COUPON, _UNAVAILABLE = 0, 1, 2
_NO_NUMBER = cast(null(), Integer)
_CART = union_all(
    select(
        literal_column(str(_LINE), Integer).label("part"),
        cart_lines.c.book_id.label("book_id"),
        cart_lines.c.quantity.label("quantity"),
        cart_lines.c.position.label("position"),
        cart_lines.c.price_cents.label("price_cents"),
        cast(null(), String).label("code"),
    ).where(_OWNERS_CART),
    select(
        literal_column(str(_COUPON), Integer),
        _NO_NUMBER,
        _NO_NUMBER,
        cart_coupons.c.position,
        _NO_NUMBER,
        cart_coupons.c.code,
    ).where(_OWNERS_COUPONS),
    select(
        literal_column(str(_UNAVAILABLE), Integer),
        cart_unavailable.c.book_id,
        _NO_NUMBER,
        _NO_NUMBER,
        _NO_NUMBER,
        cast(null(), String),
    ).where(_OWNERS_NOTICES),
).order_by(literal_column("part"), literal_column("position"))
"""The whole cart in one statement: a cart without coupons or notices costs nothing more."""
_DELETE_CART = delete(cart_lines).where(_OWNERS_CART)
_DELETE_LINE = delete(cart_lines).where(_OWNERS_CART, cart_lines.c.book_id == bindparam("book"))
_SET_QUANTITY = (
    update(cart_lines)
    .where(_OWNERS_CART, cart_lines.c.book_id == bindparam("book"))
    .values(quantity=bindparam("copies"), price_cents=bindparam("quoted"))
)
_INSERT_LINES = insert(cart_lines)
_DELETE_COUPONS = delete(cart_coupons).where(_OWNERS_COUPONS)
_INSERT_COUPONS = insert(cart_coupons)
_DELETE_NOTICES = delete(cart_unavailable).where(_OWNERS_NOTICES)
_INSERT_NOTICES = insert(cart_unavailable)
_BOOK_LEAVES_CARTS = insert(cart_unavailable).from_select(
    ["user_id", "book_id"],
    select(cart_lines.c.user_id, cart_lines.c.book_id).where(
        cart_lines.c.book_id == bindparam("book")
    ),
)
_DELETE_BOOK_EVERYWHERE = delete(cart_lines).where(cart_lines.c.book_id == bindparam("book"))

_Line = tuple[int, int, int | None]
"""(quantity, position, quoted price in cents)."""
_Lines = dict[int, _Line]
"""Book id to its line, in position order: a cart as this transaction read it."""


class SqlCartRepository:
    """`save` writes only what changed since `get` read the cart in this unit of work (one
    line added, one quantity changed: one statement); otherwise it rewrites the cart."""

    def __init__(self, db: Db, *, lock_rows: bool) -> None:
        self._db = db
        self._lock_rows = lock_rows
        self._read: dict[UUID, _Lines] = {}
        self._read_extras: dict[UUID, tuple[list[str], list[int]]] = {}

    def get(self, user_id: UUID) -> Cart:
        """In a write unit of work on PostgreSQL, reading a cart locks its owner's row until
        the end: two requests of one user that change the cart (or place an order from it)
        run one after the other, so a cart cannot be ordered twice. SQLite's `BEGIN
        IMMEDIATE` serialises them already."""
        params = {"owner": user_id}
        if self._lock_rows:  # a statement of its own: the next one sees what the lock waited for
            self._db.rows(_LOCK_OWNER, params)
        read: _Lines = {}
        codes: list[str] = []
        unavailable: list[int] = []
        for part, book_id, qty, pos, cents, code in self._db.rows(_CART, params):
            if part == _LINE:
                read[book_id] = (qty, pos, cents)
            elif part == _COUPON:
                codes.append(code)
            else:
                unavailable.append(book_id)
        self._read[user_id] = read
        self._read_extras[user_id] = (list(codes), list(unavailable))
        quoted = {b: Money(cents) for b, (_, _, cents) in read.items() if cents is not None}
        lines = {book_id: qty for book_id, (qty, _, _) in read.items()}
        return Cart(user_id, lines, quoted, codes, unavailable)

    def save(self, cart: Cart) -> None:
        read = self._read.get(cart.user_id)
        if read is None or not _only_appended(read, cart.lines):
            self._read[cart.user_id] = self._rewrite(cart)
        else:
            self._read[cart.user_id] = self._write_changes(cart, read)
        self._save_extras(cart)

    def remove_book_everywhere(self, book_id: int) -> None:
        self._db.write(_BOOK_LEAVES_CARTS, {"book": book_id})
        self._db.write(_DELETE_BOOK_EVERYWHERE, {"book": book_id})
        self._read.clear()
        self._read_extras.clear()

    def _save_extras(self, cart: Cart) -> None:
        """The coupons and notices, rewritten only when they changed (rarely)."""
        user_id = cart.user_id
        codes, unavailable = self._read_extras.get(user_id, (None, None))
        if codes != cart.coupons:
            if codes is None or codes:
                self._db.send(_DELETE_COUPONS, {"owner": user_id})
            rows = [
                {"user_id": user_id, "code": code, "position": n}
                for n, code in enumerate(cart.coupons)
            ]
            self._db.write_many(_INSERT_COUPONS, rows)
        if unavailable != cart.unavailable:
            if unavailable is None or unavailable:
                self._db.send(_DELETE_NOTICES, {"owner": user_id})
            rows = [{"user_id": user_id, "book_id": b} for b in cart.unavailable]
            self._db.write_many(_INSERT_NOTICES, rows)
        self._read_extras[user_id] = (list(cart.coupons), list(cart.unavailable))

    def _rewrite(self, cart: Cart) -> _Lines:
        self._db.send(_DELETE_CART, {"owner": cart.user_id})
        written = {
            book_id: (qty, n, _cents(cart, book_id))
            for n, (book_id, qty) in enumerate(cart.lines.items())
        }
        self._insert(cart.user_id, written)
        return written

    def _insert(self, user_id: UUID, lines: _Lines) -> None:
        rows = [
            {
                "user_id": user_id,
                "book_id": book_id,
                "quantity": qty,
                "position": pos,
                "price_cents": cents,
            }
            for book_id, (qty, pos, cents) in lines.items()
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
        changed: list[dict[str, Any]] = [
            {"owner": user_id, "book": b, "copies": qty, "quoted": _cents(cart, b)}
            for b, qty in lines.items()
            if b in read and read[b][::2] != (qty, _cents(cart, b))
        ]
        self._db.write_many(_SET_QUANTITY, changed)
        next_position = max((pos for _, pos, _ in read.values()), default=-1) + 1
        written: _Lines = {}
        added: _Lines = {}
        for book_id, qty in lines.items():
            cents = _cents(cart, book_id)
            if book_id in read:
                written[book_id] = (qty, read[book_id][1], cents)
            else:
                written[book_id] = added[book_id] = (qty, next_position, cents)
                next_position += 1
        self._insert(user_id, added)
        return written


def _cents(cart: Cart, book_id: int) -> int | None:
    quoted = cart.quoted.get(book_id)
    return None if quoted is None else quoted.cents


def _only_appended(read: _Lines, lines: dict[int, int]) -> bool:
    """True when the lines still in the cart keep their order and new ones come after them,
    so the stored positions stay right."""
    kept = [book_id for book_id in read if book_id in lines]
    return list(lines)[: len(kept)] == kept
