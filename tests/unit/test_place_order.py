"""Placing an order: all lines or none, stock taken, cart emptied, prices kept."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookstore.application.use_cases import (
    GetOrderCommand,
    PlaceOrderCommand,
    RemoveBookCommand,
    UpdateBookCommand,
)
from bookstore.domain.book import Book, BookChanges
from bookstore.domain.errors import EmptyCart, InsufficientStock, Shortage
from bookstore.domain.money import Money
from bookstore.domain.order import Order, OrderLine, OrderStatus
from bookstore.domain.user import Actor

from .support import Shop


def place(shop: Shop, actor: Actor) -> Order:
    return shop.app.place_order()(PlaceOrderCommand(actor))


def test_placing_an_order_takes_stock_from_every_line(
    shop: Shop, ada: Actor, dune: Book, emma: Book
) -> None:
    untouched = shop.book(stock=7)
    shop.order(ada, (dune, 3), (emma, 2))
    assert (shop.stock_of(dune.id), shop.stock_of(emma.id)) == (2, 0)
    assert shop.stock_of(untouched.id) == 7


def test_an_order_keeps_the_lines_of_the_cart_at_todays_prices(
    shop: Shop, ada: Actor, dune: Book, emma: Book
) -> None:
    shop.clock.advance(timedelta(days=3))
    order = shop.order(ada, (emma, 1), (dune, 3))
    assert order.user_id == ada.user_id
    assert order.status is OrderStatus.PLACED
    assert order.created_at == shop.clock.now()
    assert order.lines == (
        OrderLine(emma.id, "Emma", Money(450), 1),
        OrderLine(dune.id, "Dune", Money(999), 3),
    )
    assert order.total == Money(3447)
    assert shop.app.get_order()(GetOrderCommand(ada, order.id)) == order


def test_placing_an_order_empties_the_cart(shop: Shop, ada: Actor, dune: Book) -> None:
    shop.order(ada, (dune, 1))
    assert shop.cart_lines(ada) == {}
    with pytest.raises(EmptyCart):
        place(shop, ada)


def test_an_empty_cart_cannot_be_ordered(shop: Shop, ada: Actor) -> None:
    with pytest.raises(EmptyCart):
        place(shop, ada)
    assert shop.order_count() == 0


def test_a_short_book_reports_every_short_book_and_changes_nothing(
    shop: Shop, ada: Actor, dune: Book, emma: Book
) -> None:
    plenty = shop.book("Plenty", stock=100)
    shop.fill_cart(ada, (plenty, 1), (dune, 4), (emma, 2))
    shop.order(shop.customer(), (dune, 2), (emma, 1))  # someone else buys first
    with pytest.raises(InsufficientStock) as refused:
        place(shop, ada)
    assert refused.value.shortages == (
        Shortage(dune.id, "Dune", requested=4, available=3),
        Shortage(emma.id, "Emma", requested=2, available=1),
    )
    assert (shop.stock_of(plenty.id), shop.stock_of(dune.id), shop.stock_of(emma.id)) == (
        100,
        3,
        1,
    )
    assert shop.cart_lines(ada) == {plenty.id: 1, dune.id: 4, emma.id: 2}
    assert shop.order_count() == 1


def test_an_order_may_take_the_last_copies_and_the_next_is_refused(
    shop: Shop, ada: Actor, emma: Book
) -> None:
    bob = shop.customer()
    shop.fill_cart(bob, (emma, 1))
    shop.order(ada, (emma, 2))
    assert shop.stock_of(emma.id) == 0
    with pytest.raises(InsufficientStock) as refused:
        place(shop, bob)
    assert refused.value.shortages == (Shortage(emma.id, "Emma", requested=1, available=0),)


def test_an_order_keeps_its_price_and_title_after_the_admin_changes_them(
    shop: Shop, ada: Actor, dune: Book
) -> None:
    order = shop.order(ada, (dune, 2))
    changes = BookChanges(price="15.00", title="Dune: Deluxe Edition")
    shop.app.update_book()(UpdateBookCommand(shop.root, dune.id, changes))
    kept = shop.app.get_order()(GetOrderCommand(ada, order.id))
    assert kept.lines == (OrderLine(dune.id, "Dune", Money(999), 2),)
    assert kept.total == Money(1998)


def test_an_order_is_priced_at_the_moment_it_is_placed_not_when_added(
    shop: Shop, ada: Actor, dune: Book
) -> None:
    shop.fill_cart(ada, (dune, 1))
    changes = BookChanges(price="11.00")
    shop.app.update_book()(UpdateBookCommand(shop.root, dune.id, changes))
    order = shop.app.place_order()(PlaceOrderCommand(ada))
    assert order.lines[0].unit_price == Money(1100)


def test_orders_get_distinct_ids(shop: Shop, ada: Actor, dune: Book) -> None:
    first = shop.order(ada, (dune, 1))
    second = shop.order(ada, (dune, 1))
    assert first.id != second.id
    assert shop.order_count() == 2


def test_a_book_removed_while_in_a_cart_is_simply_not_ordered(
    shop: Shop, ada: Actor, dune: Book, emma: Book
) -> None:
    shop.fill_cart(ada, (dune, 1), (emma, 1))
    shop.app.remove_book()(RemoveBookCommand(shop.root, emma.id))
    order = shop.app.place_order()(PlaceOrderCommand(ada))
    assert [line.book_id for line in order.lines] == [dune.id]
