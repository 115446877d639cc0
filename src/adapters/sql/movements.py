"""The stock ledger in SQL: movements are inserted, never updated or deleted.

A movement that changes stock here (`move`) does it with one atomic statement per book,
`UPDATE books SET stock = stock + :delta WHERE ... AND stock + :delta BETWEEN 0 AND max`,
so it applies to the stock at the moment of the write whatever runs concurrently, then
records every movement in one multi-row insert. The order path's movements, whose stock
`take_stock` already took, are only recorded (`record`), also in one insert.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn

from sqlalchemy import bindparam, func, insert, select, update

from bookstore.adapters.sql.book_rows import BOOK_COLUMNS, IN_CATALOGUE, book_from_row
from bookstore.adapters.sql.statements import Db, Row, page_of
from bookstore.adapters.sql.tables import books, stock_movements
from bookstore.domain.book import STOCK, Book
from bookstore.domain.errors import BookNotFound, InsufficientStock, InvalidInput, Shortage
from bookstore.domain.inventory import (
    LedgerMismatch,
    MovementReason,
    Reconciliation,
    StockChange,
    StockMovement,
)
from bookstore.domain.pagination import Page, PageRequest

_m = stock_movements.c

# Built once; each call only binds its values.
_INSERT = insert(stock_movements)
_INSERT_RETURNING_ID = insert(stock_movements).returning(_m.id)
_after = books.c.stock + bindparam("move_delta")
_MOVE = (
    update(books)
    .where(books.c.id == bindparam("move_book"), _after.between(0, STOCK.maximum))
    .values(stock=_after)
    .returning(books.c.stock, books.c.low_stock_threshold)
)
_MOVE_IN_CATALOGUE = _MOVE.where(IN_CATALOGUE)
_STOCK_NOW = select(books.c.stock, books.c.title).where(books.c.id == bindparam("book_id"))


def movement_values(movement: StockMovement) -> dict[str, Any]:
    return {
        "book_id": movement.book_id,
        "delta": movement.delta,
        "reason": movement.reason.value,
        "order_id": movement.order_id,
        "actor_id": movement.actor_id,
        "note": movement.note,
        "at": movement.at,
    }


def record_movements(db: Db, movements: Sequence[StockMovement]) -> None:
    db.write_many(_INSERT, [movement_values(m) for m in movements])


def _movement_from_row(row: Row) -> StockMovement:
    movement_id, book_id, delta, reason, order_id, actor_id, note, at = row
    return StockMovement(
        book_id,
        delta,
        MovementReason(reason),
        at,
        order_id=order_id,
        actor_id=actor_id,
        note=note,
        id=movement_id,
    )


class SqlInventory:
    def __init__(self, db: Db) -> None:
        self._db = db

    def move(
        self, movements: Sequence[StockMovement], *, in_catalogue: bool = True
    ) -> list[StockChange]:
        if not movements:
            return []
        ordered = sorted(movements, key=lambda m: m.book_id)  # the lock order of `books.lock`
        statement = _MOVE_IN_CATALOGUE if in_catalogue else _MOVE
        landed = []
        for movement in ordered:
            params = {"move_book": movement.book_id, "move_delta": movement.delta}
            row = self._db.first(statement, params)
            if row is None:
                self._refuse(movement, in_catalogue)
            landed.append((row[0], row[1]))
        ids = [self._db.scalar(_INSERT_RETURNING_ID, movement_values(m)) for m in ordered]
        return [
            StockChange(movement.recorded(movement_id), after - movement.delta, after, threshold)
            for movement, movement_id, (after, threshold) in zip(ordered, ids, landed, strict=True)
        ]

    def _refuse(self, movement: StockMovement, in_catalogue: bool) -> NoReturn:
        """Say why a movement did not apply (the stock as it is now, under the same lock)."""
        stmt = _STOCK_NOW.where(IN_CATALOGUE) if in_catalogue else _STOCK_NOW
        now = self._db.first(stmt, {"book_id": movement.book_id})
        if now is None:
            raise BookNotFound(movement.book_id)
        stock, title = now
        if stock + movement.delta < 0:
            shortage = Shortage(movement.book_id, title, -movement.delta, stock)
            raise InsufficientStock([shortage])
        raise InvalidInput.single("delta", f"would take stock above {STOCK.maximum}")

    def record(self, movements: Sequence[StockMovement]) -> None:
        record_movements(self._db, movements)

    def movements(self, book_id: int, page: PageRequest) -> Page[StockMovement] | None:
        known = select(books.c.id).where(books.c.id == book_id)
        if self._db.first(known) is None:
            return None
        mine = _m.book_id == book_id
        stmt = (
            select(stock_movements)
            .where(mine)
            .order_by(_m.at.desc(), _m.id.desc())
            .limit(page.page_size)
            .offset(page.offset)
        )
        items = [_movement_from_row(row) for row in self._db.rows(stmt)]
        count = select(func.count()).select_from(stock_movements).where(mine)
        return page_of(items, page, lambda: self._db.scalar(count))

    def reconcile(self) -> Reconciliation:
        """The comparison is one statement, so it sees one consistent state of the ledger."""
        sums = (
            select(_m.book_id, func.sum(_m.delta).label("ledger_sum"))
            .group_by(_m.book_id)
            .subquery()
        )
        ledger_sum = func.coalesce(sums.c.ledger_sum, 0)
        mismatched = (
            select(books.c.id, books.c.stock, ledger_sum.label("ledger_sum"))
            .select_from(books.outerjoin(sums, sums.c.book_id == books.c.id))
            .where(books.c.stock != ledger_sum)
            .order_by(books.c.id)
        )
        mismatches = tuple(
            LedgerMismatch(book_id, stock, int(ledger))
            for book_id, stock, ledger in self._db.rows(mismatched)
        )
        checked = int(self._db.scalar(select(func.count()).select_from(books)))
        return Reconciliation(checked, mismatches)

    def low_stock(self, page: PageRequest) -> Page[Book]:
        low = (IN_CATALOGUE, books.c.stock <= books.c.low_stock_threshold)
        stmt = (
            select(*BOOK_COLUMNS)
            .where(*low)
            .order_by(books.c.stock, books.c.id)
            .limit(page.page_size)
            .offset(page.offset)
        )
        items = [book_from_row(row) for row in self._db.rows(stmt)]
        count = select(func.count()).select_from(books).where(*low)
        return page_of(items, page, lambda: self._db.scalar(count))
