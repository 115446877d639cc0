"""Stock movements: the only way a book's stock changes, each a value with a reason."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from bookstore.domain.book import Book, BookChanges, BookDetails, check_low_stock_threshold
from bookstore.domain.errors import InsufficientStock, InvalidInput, Shortage
from bookstore.domain.inventory import (
    LedgerMismatch,
    MovementReason,
    Reconciliation,
    StockChange,
    StockMovement,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ORDER = uuid4()


def a_book(stock: int = 3) -> Book:
    details = BookDetails.parse(
        title="Dune", author="Frank Herbert", genre="SF", price="9.99", stock=stock
    )
    return Book(7, details, NOW, NOW)


def test_a_movement_changes_the_stock_by_its_delta() -> None:
    book = a_book(3)
    book.move(StockMovement(7, -2, MovementReason.ORDER, NOW, order_id=ORDER))
    book.move(StockMovement(7, 5, MovementReason.ADJUSTMENT, NOW, note="found a box"))
    assert book.stock == 6


def test_a_movement_below_zero_is_refused_and_changes_nothing() -> None:
    book = a_book(3)
    with pytest.raises(InsufficientStock) as refused:
        book.move(StockMovement(7, -4, MovementReason.ADJUSTMENT, NOW))
    assert refused.value.shortages == (Shortage(7, "Dune", requested=4, available=3),)
    assert book.stock == 3


def test_a_movement_above_the_largest_stock_is_refused() -> None:
    book = a_book(999_999)
    with pytest.raises(InvalidInput):
        book.move(StockMovement(7, 2, MovementReason.ADJUSTMENT, NOW))
    assert book.stock == 999_999


def test_a_movement_of_another_book_is_a_bug() -> None:
    with pytest.raises(ValueError, match="book 8"):
        a_book().move(StockMovement(8, 1, MovementReason.ADJUSTMENT, NOW))


@pytest.mark.parametrize(
    ("delta", "reason", "order_id", "field"),
    [
        (0, MovementReason.ADJUSTMENT, None, "delta"),
        (True, MovementReason.ADJUSTMENT, None, "delta"),
        (1_000_001, MovementReason.ADJUSTMENT, None, "delta"),
        (-1, MovementReason.ORDER, None, "order_id"),
        (1, MovementReason.ORDER, ORDER, "delta"),
        (-1, MovementReason.CANCELLATION, ORDER, "delta"),
        (1, MovementReason.ADJUSTMENT, ORDER, "order_id"),
        (-1, MovementReason.INITIAL, None, "delta"),
    ],
)
def test_a_movement_that_makes_no_sense_is_refused(
    delta: int, reason: MovementReason, order_id: object, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        StockMovement(7, delta, reason, NOW, order_id=order_id)  # type: ignore[arg-type]
    assert refused.value.errors[0].field == field


def test_an_adjustment_needs_a_non_zero_delta_and_a_note_and_names_both() -> None:
    with pytest.raises(InvalidInput) as refused:
        StockMovement.adjustment(book_id=7, delta=0, note="  ", at=NOW, actor_id=None)
    assert {e.field for e in refused.value.errors} == {"delta", "note"}
    with pytest.raises(InvalidInput):
        StockMovement.adjustment(book_id=7, delta=-1_000_001, note="x", at=NOW, actor_id=None)
    with pytest.raises(InvalidInput):
        StockMovement.adjustment(book_id=7, delta=1, note="n" * 501, at=NOW, actor_id=None)
    admin = uuid4()
    movement = StockMovement.adjustment(book_id=7, delta=-3, note=" damp ", at=NOW, actor_id=admin)
    assert movement == StockMovement(
        7, -3, MovementReason.ADJUSTMENT, NOW, actor_id=admin, note="damp"
    )


def test_a_new_books_stock_is_its_initial_movement() -> None:
    admin = uuid4()
    assert a_book(4).initial_movement(admin) == StockMovement(
        7, 4, MovementReason.INITIAL, NOW, actor_id=admin
    )
    assert a_book(0).initial_movement(admin) is None


def test_setting_the_stock_is_an_adjustment_of_the_difference() -> None:
    book, admin = a_book(3), uuid4()
    movement = book.apply(BookChanges(stock=10, title="Dune!"), NOW, admin)
    assert movement == StockMovement(
        7, 7, MovementReason.ADJUSTMENT, NOW, actor_id=admin, note="stock set to 10"
    )
    assert (book.stock, book.title) == (10, "Dune!")
    assert book.apply(BookChanges(stock=10), NOW, admin) is None
    assert book.apply(BookChanges(title="Dune"), NOW) is None


def test_a_books_low_stock_threshold_is_an_inventory_setting() -> None:
    book = a_book(5)
    assert book.low_stock_threshold == 5
    assert book.is_low_on_stock
    assert not a_book(6).is_low_on_stock
    book.apply(BookChanges(low_stock_threshold=2), NOW)
    assert (book.low_stock_threshold, book.is_low_on_stock) == (2, False)
    with pytest.raises(InvalidInput) as refused:
        book.apply(BookChanges(low_stock_threshold=-1, price="0"), NOW)
    assert {e.field for e in refused.value.errors} == {"low_stock_threshold", "price"}
    assert book.low_stock_threshold == 2
    assert check_low_stock_threshold(0) == 0
    with pytest.raises(InvalidInput):
        check_low_stock_threshold(1_000_001)


def test_a_change_says_when_stock_falls_low_or_comes_back() -> None:
    def change(
        before: int, after: int, reason: MovementReason = MovementReason.ADJUSTMENT
    ) -> StockChange:
        movement = StockMovement(7, after - before, reason, NOW)
        return StockChange(movement, before, after, low_stock_threshold=5)

    assert change(6, 5).fell_to_low_stock
    assert not change(5, 4).fell_to_low_stock
    assert not change(4, 6).fell_to_low_stock
    assert change(0, 2).came_back_in_stock
    assert not change(1, 2).came_back_in_stock
    assert not change(0, 2, MovementReason.INITIAL).came_back_in_stock


def test_a_reconciliation_is_balanced_without_mismatches() -> None:
    assert Reconciliation(3, ()).balanced
    assert not Reconciliation(3, (LedgerMismatch(1, 5, 4),)).balanced
