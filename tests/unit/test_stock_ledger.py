"""The inventory ledger through the use cases: every stock change is a movement, and the
sum of a book's movements is its stock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookstore.application.use_cases import (
    AddBookCommand,
    AdjustStockCommand,
    ListLowStockCommand,
    ListMovementsCommand,
    RemoveBookCommand,
    RestockBookCommand,
    UpdateBookCommand,
)
from bookstore.domain.book import Book, BookChanges, BookDetails
from bookstore.domain.errors import (
    BookNotFound,
    Forbidden,
    InsufficientStock,
    InvalidInput,
    Shortage,
)
from bookstore.domain.inventory import LedgerMismatch, MovementReason, StockMovement
from bookstore.domain.pagination import PageRequest
from bookstore.domain.user import Actor

from .support import Shop


def adjust(shop: Shop, book: Book, delta: int, note: str = "count") -> StockMovement:
    return shop.app.adjust_stock()(AdjustStockCommand(shop.root, book.id, delta, note))


def reasons(shop: Shop, book: Book) -> list[tuple[MovementReason, int]]:
    return [(m.reason, m.delta) for m in shop.movements_of(book.id)]


def test_a_new_book_has_an_initial_movement_of_its_stock(shop: Shop, dune: Book) -> None:
    assert shop.movements_of(dune.id) == [
        StockMovement(
            dune.id, 5, MovementReason.INITIAL, dune.created_at, actor_id=shop.root.user_id, id=1
        )
    ]
    assert reasons(shop, shop.book(stock=0)) == []


def test_every_kind_of_stock_change_is_a_movement(shop: Shop, ada: Actor, dune: Book) -> None:
    order = shop.order(ada, (dune, 2))
    shop.app.restock_book()(RestockBookCommand(shop.root, dune.id, 4))
    shop.app.update_book()(UpdateBookCommand(shop.root, dune.id, BookChanges(stock=10)))
    adjust(shop, dune, -1, "water damage")
    assert reasons(shop, dune) == [
        (MovementReason.INITIAL, 5),
        (MovementReason.ORDER, -2),
        (MovementReason.ADJUSTMENT, 4),
        (MovementReason.ADJUSTMENT, 3),
        (MovementReason.ADJUSTMENT, -1),
    ]
    assert shop.movements_of(dune.id)[1].order_id == order.id
    assert shop.stock_of(dune.id) == shop.ledger_sum(dune.id) == 9
    assert shop.reconcile().balanced


def test_an_adjustment_is_returned_recorded(shop: Shop, dune: Book) -> None:
    shop.clock.advance(timedelta(hours=1))
    movement = adjust(shop, dune, 3, "  delivery from the printer ")
    assert movement == StockMovement(
        dune.id,
        3,
        MovementReason.ADJUSTMENT,
        shop.clock.now(),
        actor_id=shop.root.user_id,
        note="delivery from the printer",
        id=2,
    )
    assert shop.stock_of(dune.id) == 8


def test_an_adjustment_below_zero_is_refused_and_changes_nothing(shop: Shop, dune: Book) -> None:
    before = shop.storage.state
    with pytest.raises(InsufficientStock) as refused:
        adjust(shop, dune, -6)
    assert refused.value.shortages == (Shortage(dune.id, "Dune", requested=6, available=5),)
    assert shop.storage.state is before


@pytest.mark.parametrize(("delta", "note"), [(0, "x"), (1, ""), (1_000_001, "x"), (1, "n" * 501)])
def test_an_adjustment_out_of_bounds_is_invalid(
    shop: Shop, dune: Book, delta: int, note: str
) -> None:
    with pytest.raises(InvalidInput):
        adjust(shop, dune, delta, note)
    assert shop.stock_of(dune.id) == 5


def test_adjusting_a_book_not_in_the_catalogue_is_not_found(shop: Shop, dune: Book) -> None:
    shop.app.remove_book()(RemoveBookCommand(shop.root, dune.id))
    with pytest.raises(BookNotFound):
        adjust(shop, dune, 1)


def test_only_admins_touch_the_ledger(shop: Shop, ada: Actor, dune: Book) -> None:
    calls = [
        lambda: shop.app.adjust_stock()(AdjustStockCommand(ada, dune.id, 1, "x")),
        lambda: shop.app.list_movements()(ListMovementsCommand(ada, dune.id)),
        lambda: shop.app.reconcile_inventory()(ada),
        lambda: shop.app.list_low_stock()(ListLowStockCommand(ada)),
    ]
    for call in calls:
        with pytest.raises(Forbidden):
            call()


def test_movements_are_listed_newest_first_and_paginated(shop: Shop, dune: Book) -> None:
    for delta in (1, 2, 3):
        shop.clock.advance(timedelta(minutes=1))
        adjust(shop, dune, delta)
    page = shop.app.list_movements()(ListMovementsCommand(shop.root, dune.id, PageRequest(1, 2)))
    assert [m.delta for m in page.items] == [3, 2]
    assert page.total == 4
    rest = shop.app.list_movements()(ListMovementsCommand(shop.root, dune.id, PageRequest(2, 2)))
    assert [m.delta for m in rest.items] == [1, 5]


def test_a_removed_book_keeps_its_movements_but_no_book_has_none(shop: Shop, dune: Book) -> None:
    shop.app.remove_book()(RemoveBookCommand(shop.root, dune.id))
    listed = shop.app.list_movements()(ListMovementsCommand(shop.root, dune.id))
    assert listed.total == 1
    with pytest.raises(BookNotFound):
        shop.app.list_movements()(ListMovementsCommand(shop.root, 999))


def test_reconciling_finds_a_stock_that_drifted_from_its_ledger(
    shop: Shop, dune: Book, emma: Book
) -> None:
    assert shop.reconcile().books_checked == 2
    state = shop.storage.state
    state.books[emma.id].details = BookDetails.parse(
        title="Emma", author="A", genre="G", price="4.50", stock=7
    )  # a write that bypassed the ledger
    report = shop.reconcile()
    assert report.mismatches == (LedgerMismatch(emma.id, stock=7, ledger_sum=2),)
    assert not report.balanced


def test_low_stock_lists_books_at_or_below_their_threshold_lowest_first(shop: Shop) -> None:
    plenty = shop.book("Plenty", stock=50)
    at = shop.book("At threshold", stock=5)
    none = shop.book("None left", stock=0)
    own = shop.app.add_book()(
        AddBookCommand(
            shop.root,
            BookDetails.parse(title="Own", author="A", genre="G", price="1.00", stock=9),
            low_stock_threshold=10,
        )
    )
    also_none = shop.book("Also none", stock=0)
    page = shop.app.list_low_stock()(ListLowStockCommand(shop.root))
    assert [b.id for b in page.items] == [none.id, also_none.id, at.id, own.id]
    assert plenty.id not in [b.id for b in page.items]
    assert own.low_stock_threshold == 10


def test_the_default_threshold_is_the_stores() -> None:
    shop = Shop.open(low_stock_threshold=2)
    assert shop.book(stock=3).low_stock_threshold == 2
    with pytest.raises(InvalidInput):
        shop.app.add_book()(
            AddBookCommand(
                shop.root,
                BookDetails.parse(title="T", author="A", genre="G", price="1.00", stock=1),
                low_stock_threshold=-1,
            )
        )
