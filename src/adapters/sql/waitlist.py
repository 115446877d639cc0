"""Customers waiting for sold-out books, in SQL (§14): one row per (book, customer)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, delete, select

from bookstore.adapters.sql.book_rows import BOOK_COLUMNS, IN_CATALOGUE, book_from_row
from bookstore.adapters.sql.event_tables import waitlist_entries
from bookstore.adapters.sql.statements import Db, listing, unless_there
from bookstore.adapters.sql.tables import books
from bookstore.domain.book import Book
from bookstore.domain.pagination import Page, PageRequest

_l = waitlist_entries.c
_JOIN = unless_there(waitlist_entries)
_LEAVE = delete(waitlist_entries).where(
    _l.user_id == bindparam("user"), _l.book_id == bindparam("book")
)
_WAITED_FOR, _COUNT_WAITED_FOR = listing(
    waitlist_entries.join(books, books.c.id == _l.book_id),
    BOOK_COLUMNS,
    [_l.user_id == bindparam("user"), IN_CATALOGUE],
    [_l.joined_at, _l.book_id],
)
_WAITING = (
    select(_l.user_id).where(_l.book_id == bindparam("book")).order_by(_l.joined_at, _l.user_id)
)
_TAKE_WAITING = delete(waitlist_entries).where(_l.book_id == bindparam("book"))


class SqlWaitlist:
    def __init__(self, db: Db) -> None:
        self._db = db

    def join(self, user_id: UUID, book_id: int, at: datetime) -> bool:
        row = {"book_id": book_id, "user_id": user_id, "joined_at": at}
        return self._db.write(_JOIN[self._db.dialect], row) == 1

    def leave(self, user_id: UUID, book_id: int) -> bool:
        return self._db.write(_LEAVE, {"user": user_id, "book": book_id}) == 1

    def books_of(self, user_id: UUID, page: PageRequest) -> Page[Book]:
        params = {"user": user_id, "limit": page.page_size, "offset": page.offset}
        items = [book_from_row(row) for row in self._db.rows(_WAITED_FOR, params)]
        return Page.of(items, page, self._db.scalar(_COUNT_WAITED_FOR, {"user": user_id}))

    def take(self, book_id: int) -> list[UUID]:
        waiting = [row[0] for row in self._db.rows(_WAITING, {"book": book_id})]
        if waiting:
            self._db.write(_TAKE_WAITING, {"book": book_id})
        return waiting
