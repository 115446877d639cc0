"""The stock ledger on every storage: movements applied atomically and recorded, listed
newest first, reconciled against the stock, and the books low on stock."""

from __future__ import annotations

from uuid import UUID

import pytest
from sql_support import T0, add_books, details
from sqlalchemy import update

from bookstore.adapters.memory import MemoryUnitOfWorkFactory
from bookstore.adapters.sql import SqlUnitOfWorkFactory
from bookstore.adapters.sql.tables import books as books_table
from bookstore.application.ports import UnitOfWorkFactory
from bookstore.domain.book import STOCK, BookChanges
from bookstore.domain.errors import BookNotFound, InsufficientStock, InvalidInput, Shortage
from bookstore.domain.inventory import (
    LedgerMismatch,
    MovementReason,
    Reconciliation,
    StockChange,
    StockMovement,
)
from bookstore.domain.pagination import PageRequest

ADMIN = UUID(int=7)


def adjustment(book_id: int, delta: int, note: str = "count") -> StockMovement:
    return StockMovement(book_id, delta, MovementReason.ADJUSTMENT, T0, actor_id=ADMIN, note=note)


def ledger(factory: UnitOfWorkFactory, book_id: int) -> list[StockMovement]:
    with factory(read_only=True) as uow:
        page = uow.inventory.movements(book_id, PageRequest(1, 100))
    assert page is not None
    return list(page.items)


def stock_of(factory: UnitOfWorkFactory, book_id: int) -> int:
    with factory(read_only=True) as uow:
        book = uow.books.get(book_id)
    assert book is not None
    return book.stock


def test_a_new_book_records_its_initial_stock(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        dune = uow.books.add(details(stock=4), T0, actor_id=ADMIN, low_stock_threshold=2)
        empty = uow.books.add(details("Empty", stock=0), T0)
        uow.commit()
    assert ledger(uow_factory, dune.id) == [
        StockMovement(dune.id, 4, MovementReason.INITIAL, T0, actor_id=ADMIN, id=1)
    ]
    assert ledger(uow_factory, empty.id) == []
    with uow_factory(read_only=True) as uow:
        assert uow.books.get(dune.id) == dune
        assert dune.low_stock_threshold == 2
        assert uow.inventory.reconcile() == Reconciliation(2, ())


def test_a_threshold_is_changed_like_any_field(uow_factory: UnitOfWorkFactory) -> None:
    (book,) = add_books(uow_factory, details())
    with uow_factory() as uow:
        locked = uow.books.lock([book.id])[book.id]
        locked.apply(BookChanges(low_stock_threshold=0), T0)
        uow.books.update(locked)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        found = uow.books.get(book.id)
        assert found is not None
        assert (found.low_stock_threshold, book.low_stock_threshold) == (0, 5)


def test_a_move_applies_to_the_stock_now_and_is_recorded(uow_factory: UnitOfWorkFactory) -> None:
    a, b = add_books(uow_factory, details("A", stock=5), details("B", stock=1))
    with uow_factory() as uow:
        changes = uow.inventory.move([adjustment(b.id, 3), adjustment(a.id, -2)])
        uow.commit()
    assert changes == [
        StockChange(adjustment(a.id, -2).recorded(3), before=5, after=3, low_stock_threshold=5),
        StockChange(adjustment(b.id, 3).recorded(4), before=1, after=4, low_stock_threshold=5),
    ], "books are moved in id order"
    assert (stock_of(uow_factory, a.id), stock_of(uow_factory, b.id)) == (3, 4)
    assert ledger(uow_factory, a.id)[0] == changes[0].movement


def test_a_move_below_zero_is_refused_with_the_stock_now(uow_factory: UnitOfWorkFactory) -> None:
    (book,) = add_books(uow_factory, details("Dune", stock=2))
    with pytest.raises(InsufficientStock) as refused, uow_factory() as uow:
        uow.inventory.move([adjustment(book.id, -3)])
    assert refused.value.shortages == (Shortage(book.id, "Dune", requested=3, available=2),)
    with pytest.raises(InvalidInput), uow_factory() as uow:
        uow.inventory.move([adjustment(book.id, STOCK.maximum - 1)])
    assert stock_of(uow_factory, book.id) == 2
    assert len(ledger(uow_factory, book.id)) == 1


def test_a_refused_move_takes_the_others_back_with_it(uow_factory: UnitOfWorkFactory) -> None:
    a, b = add_books(uow_factory, details("A", stock=5), details("B", stock=1))
    with pytest.raises(InsufficientStock), uow_factory() as uow:
        uow.inventory.move([adjustment(a.id, -1), adjustment(b.id, -2)])
    assert (stock_of(uow_factory, a.id), stock_of(uow_factory, b.id)) == (5, 1)
    with uow_factory(read_only=True) as uow:
        assert uow.inventory.reconcile().balanced


def test_a_book_out_of_the_catalogue_moves_only_when_asked(
    uow_factory: UnitOfWorkFactory,
) -> None:
    (book,) = add_books(uow_factory, details(stock=1))
    with uow_factory() as uow:
        assert uow.books.remove(book.id, T0)
        uow.commit()
    with pytest.raises(BookNotFound), uow_factory() as uow:
        uow.inventory.move([adjustment(book.id, 1)])
    with pytest.raises(BookNotFound), uow_factory() as uow:
        uow.inventory.move([adjustment(999_999, 1)], in_catalogue=False)
    with uow_factory() as uow:
        (change,) = uow.inventory.move([adjustment(book.id, 2)], in_catalogue=False)
        uow.commit()
    assert (change.before, change.after) == (1, 3)
    with uow_factory(read_only=True) as uow:
        assert uow.inventory.reconcile().balanced


def test_movements_are_listed_newest_first_by_page(uow_factory: UnitOfWorkFactory) -> None:
    (book,) = add_books(uow_factory, details(stock=1))
    with uow_factory() as uow:
        uow.inventory.move([adjustment(book.id, n, f"n{n}") for n in (1, 2, 3)])
        uow.commit()
    with uow_factory(read_only=True) as uow:
        first = uow.inventory.movements(book.id, PageRequest(1, 3))
        second = uow.inventory.movements(book.id, PageRequest(2, 3))
        beyond = uow.inventory.movements(book.id, PageRequest(5, 3))
        assert uow.inventory.movements(999_999, PageRequest()) is None
    assert first is not None
    assert second is not None
    assert beyond is not None
    assert [m.delta for m in first.items] == [3, 2, 1], "same time: the later id is newer"
    assert [m.reason for m in second.items] == [MovementReason.INITIAL]
    assert first.total == second.total == beyond.total == 4
    assert beyond.items == []


def _tamper(factory: UnitOfWorkFactory, book_id: int, stock: int) -> None:
    """A stock written past the ledger, as a buggy script would."""
    if isinstance(factory, MemoryUnitOfWorkFactory):
        factory.state.books[book_id].details = details(stock=stock)
        return
    assert isinstance(factory, SqlUnitOfWorkFactory)
    with factory.engine.begin() as conn:
        conn.execute(update(books_table).where(books_table.c.id == book_id).values(stock=stock))


def test_reconciling_names_every_book_whose_stock_left_its_ledger(
    uow_factory: UnitOfWorkFactory,
) -> None:
    a, b, c = add_books(uow_factory, details("A", stock=3), details("B"), details("C", stock=0))
    with uow_factory() as uow:
        uow.books.remove(b.id, T0)
        uow.commit()
    _tamper(uow_factory, a.id, 9)
    _tamper(uow_factory, c.id, 2)
    with uow_factory(read_only=True) as uow:
        report = uow.inventory.reconcile()
    assert report == Reconciliation(3, (LedgerMismatch(a.id, 9, 3), LedgerMismatch(c.id, 2, 0)))


def test_low_stock_is_the_catalogues_books_at_or_below_their_threshold(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        added = [
            uow.books.add(details(title, stock=stock), T0, low_stock_threshold=threshold)
            for title, stock, threshold in [
                ("plenty", 50, 5),
                ("at", 5, 5),
                ("none", 0, 0),
                ("custom", 9, 10),
                ("removed", 0, 5),
                ("also none", 0, 5),
            ]
        ]
        uow.books.remove(added[4].id, T0)
        uow.commit()
    plenty, at, none, custom, _, also_none = added
    with uow_factory(read_only=True) as uow:
        first = uow.inventory.low_stock(PageRequest(1, 3))
        second = uow.inventory.low_stock(PageRequest(2, 3))
    assert [b.id for b in first.items] == [none.id, also_none.id, at.id]
    assert [b.id for b in second.items] == [custom.id]
    assert first.total == second.total == 4
    assert first.items[0] == none
    assert plenty.id not in {b.id for b in first.items}
