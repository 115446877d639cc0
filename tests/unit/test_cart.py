"""Carts: lines of books and quantities, within limits, unchanged when a change is refused."""

from __future__ import annotations

from uuid import uuid4

import pytest

from bookstore.domain.cart import Cart, CartLimits, check_requested_quantity
from bookstore.domain.errors import CartLimitExceeded, CartLineNotFound, InvalidInput

LIMITS = CartLimits(max_line_quantity=5, max_distinct_books=2)


def a_cart(**lines: int) -> Cart:
    return Cart(uuid4(), {int(k.removeprefix("b")): v for k, v in lines.items()})


def test_a_new_cart_is_empty() -> None:
    cart = Cart(uuid4())
    assert cart.is_empty
    assert cart.quantity_of(1) == 0


def test_adding_a_book_creates_its_line() -> None:
    cart = a_cart()
    assert cart.add(1, 2, LIMITS) == 2
    assert cart.lines == {1: 2}
    assert not cart.is_empty


def test_adding_a_book_already_in_the_cart_adds_to_its_line() -> None:
    cart = a_cart(b1=2)
    assert cart.add(1, 3, LIMITS) == 5
    assert cart.lines == {1: 5}


def test_lines_keep_the_order_the_books_were_added_in() -> None:
    cart = a_cart()
    limits = CartLimits()
    for book_id in (5, 2, 9):
        cart.add(book_id, 1, limits)
    cart.add(2, 1, limits)
    assert list(cart.lines) == [5, 2, 9]


def test_a_line_above_the_line_limit_is_refused_and_the_cart_is_unchanged() -> None:
    cart = a_cart(b1=4)
    with pytest.raises(CartLimitExceeded) as refused:
        cart.add(1, 2, LIMITS)
    assert "5 copies" in refused.value.detail
    assert cart.lines == {1: 4}
    with pytest.raises(CartLimitExceeded):
        cart.set_quantity(1, 6, LIMITS)
    assert cart.lines == {1: 4}


def test_a_book_beyond_the_distinct_books_limit_is_refused_and_the_cart_is_unchanged() -> None:
    cart = a_cart(b1=1, b2=1)
    with pytest.raises(CartLimitExceeded) as refused:
        cart.add(3, 1, LIMITS)
    assert "2 different books" in refused.value.detail
    assert cart.lines == {1: 1, 2: 1}


def test_a_full_cart_still_takes_more_copies_of_a_book_it_holds() -> None:
    cart = a_cart(b1=1, b2=1)
    cart.add(2, 4, LIMITS)
    assert cart.lines == {1: 1, 2: 5}


def test_setting_a_quantity_replaces_the_line() -> None:
    cart = a_cart(b1=4)
    assert cart.set_quantity(1, 1, LIMITS) == 1
    assert cart.set_quantity(2, 3, LIMITS) == 3
    assert cart.lines == {1: 1, 2: 3}


def test_setting_a_quantity_of_zero_removes_the_line() -> None:
    cart = a_cart(b1=4, b2=1)
    assert cart.set_quantity(1, 0, LIMITS) == 0
    assert cart.lines == {2: 1}
    assert cart.set_quantity(3, 0, LIMITS) == 0
    assert cart.lines == {2: 1}


def test_a_negative_quantity_is_never_set_on_a_line() -> None:
    cart = a_cart(b1=2)
    with pytest.raises((InvalidInput, ValueError)):
        cart.set_quantity(1, -3, LIMITS)
    assert cart.lines == {1: 2}


@pytest.mark.parametrize("quantity", [0, -1, 101, True])
def test_adding_a_quantity_outside_1_to_100_is_refused(quantity: int) -> None:
    cart = a_cart(b1=1)
    with pytest.raises(InvalidInput) as refused:
        cart.add(1, quantity, CartLimits())
    assert [e.field for e in refused.value.errors] == ["quantity"]
    assert cart.lines == {1: 1}


def test_a_requested_quantity_may_be_zero_only_where_zero_removes() -> None:
    check_requested_quantity(1)
    check_requested_quantity(100)
    check_requested_quantity(0, allow_zero=True)
    with pytest.raises(InvalidInput):
        check_requested_quantity(0)
    with pytest.raises(InvalidInput):
        check_requested_quantity(-1, allow_zero=True)
    with pytest.raises(InvalidInput):
        check_requested_quantity(101, allow_zero=True)


def test_removing_a_line_takes_the_book_out_of_the_cart() -> None:
    cart = a_cart(b1=1, b2=2)
    cart.remove(1)
    assert cart.lines == {2: 2}


def test_removing_a_book_that_is_not_in_the_cart_is_not_found() -> None:
    cart = a_cart(b1=1)
    with pytest.raises(CartLineNotFound) as refused:
        cart.remove(2)
    assert refused.value.book_id == 2
    assert cart.lines == {1: 1}


def test_clearing_a_cart_empties_it() -> None:
    cart = a_cart(b1=1, b2=2)
    cart.clear()
    assert cart.is_empty
