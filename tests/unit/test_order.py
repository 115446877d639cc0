"""Orders: placed from a cart, all lines or none, keeping the title and price of the moment."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from bookstore.domain.book import Book, BookChanges, BookDetails
from bookstore.domain.cart import Cart
from bookstore.domain.errors import EmptyCart, InsufficientStock, Shortage
from bookstore.domain.money import Money
from bookstore.domain.order import Order, OrderLine, OrderStatus

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def a_book(book_id: int, title: str, price: str, stock: int) -> Book:
    details = BookDetails.parse(title=title, author="A", genre="G", price=price, stock=stock)
    return Book(book_id, details, NOW, NOW)


@pytest.fixture
def books() -> dict[int, Book]:
    return {
        1: a_book(1, "Dune", "9.99", 5),
        2: a_book(2, "Emma", "4.50", 2),
        3: a_book(3, "Ulysses", "20.00", 1),
    }


def test_placing_an_order_takes_stock_from_every_line(books: dict[int, Book]) -> None:
    cart = Cart(uuid4(), {1: 2, 2: 2})
    Order.place(order_id=uuid4(), cart=cart, books=books, now=NOW)
    assert (books[1].stock, books[2].stock, books[3].stock) == (3, 0, 1)


def test_an_order_snapshots_each_books_title_and_price(books: dict[int, Book]) -> None:
    order_id, cart = uuid4(), Cart(uuid4(), {2: 1, 1: 3})
    order = Order.place(order_id=order_id, cart=cart, books=books, now=NOW)
    assert order.id == order_id
    assert order.user_id == cart.user_id
    assert order.status is OrderStatus.PLACED
    assert order.created_at == NOW
    assert order.lines == (
        OrderLine(2, "Emma", Money(450), 1),
        OrderLine(1, "Dune", Money(999), 3),
    )
    books[1].apply(BookChanges(title="Dune (reissue)", price="30.00"), NOW)
    assert order.lines[1] == OrderLine(1, "Dune", Money(999), 3)


def test_an_orders_total_is_the_sum_of_its_lines(books: dict[int, Book]) -> None:
    order = Order.place(order_id=uuid4(), cart=Cart(uuid4(), {1: 3, 2: 1}), books=books, now=NOW)
    assert [line.line_total for line in order.lines] == [Money(2997), Money(450)]
    assert order.total == Money(3447)
    assert str(order.total) == "34.47"


def test_an_empty_cart_cannot_become_an_order(books: dict[int, Book]) -> None:
    with pytest.raises(EmptyCart):
        Order.place(order_id=uuid4(), cart=Cart(uuid4()), books=books, now=NOW)


def test_one_short_book_takes_nothing_from_any_book(books: dict[int, Book]) -> None:
    cart = Cart(uuid4(), {1: 2, 2: 3})
    with pytest.raises(InsufficientStock):
        Order.place(order_id=uuid4(), cart=cart, books=books, now=NOW)
    assert (books[1].stock, books[2].stock, books[3].stock) == (5, 2, 1)


def test_every_short_book_is_reported_with_what_was_asked_and_what_is_left(
    books: dict[int, Book],
) -> None:
    cart = Cart(uuid4(), {1: 1, 2: 3, 3: 4})
    with pytest.raises(InsufficientStock) as refused:
        Order.place(order_id=uuid4(), cart=cart, books=books, now=NOW)
    assert refused.value.shortages == (
        Shortage(2, "Emma", requested=3, available=2),
        Shortage(3, "Ulysses", requested=4, available=1),
    )
    assert "'Emma' (2 left, 3 asked)" in refused.value.detail


def test_a_book_gone_from_the_catalogue_counts_as_sold_out(books: dict[int, Book]) -> None:
    cart = Cart(uuid4(), {1: 1, 99: 2})
    with pytest.raises(InsufficientStock) as refused:
        Order.place(order_id=uuid4(), cart=cart, books=books, now=NOW)
    [shortage] = refused.value.shortages
    assert (shortage.book_id, shortage.requested, shortage.available) == (99, 2, 0)
    assert books[1].stock == 5


def test_an_order_may_take_the_last_copy(books: dict[int, Book]) -> None:
    Order.place(order_id=uuid4(), cart=Cart(uuid4(), {3: 1}), books=books, now=NOW)
    assert books[3].stock == 0
