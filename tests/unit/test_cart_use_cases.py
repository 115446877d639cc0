"""A customer's cart: add, set, remove and clear lines, within stock and the store's limits."""

from __future__ import annotations

import pytest

from bookstore.application.use_cases import (
    AddToCartCommand,
    CartLineView,
    RemoveFromCartCommand,
    SetCartQuantityCommand,
    UpdateBookCommand,
)
from bookstore.domain.book import Book, BookChanges
from bookstore.domain.errors import (
    BookNotFound,
    CartLimitExceeded,
    CartLineNotFound,
    InsufficientStock,
    InvalidInput,
    Shortage,
)
from bookstore.domain.money import Money
from bookstore.domain.user import Actor

from .support import Shop


def add(shop: Shop, actor: Actor, book_id: int, quantity: int = 1) -> None:
    shop.app.add_to_cart()(AddToCartCommand(actor, book_id, quantity))


def set_quantity(shop: Shop, actor: Actor, book_id: int, quantity: int) -> None:
    shop.app.set_cart_quantity()(SetCartQuantityCommand(actor, book_id, quantity))


def test_a_new_cart_is_empty_and_priced_in_the_store_currency(shop: Shop, ada: Actor) -> None:
    cart = shop.app.view_cart()(ada)
    assert cart.lines == ()
    assert (cart.total_quantity, cart.subtotal, cart.currency) == (0, Money(0), "USD")


def test_the_currency_is_a_setting() -> None:
    shop = Shop.open(currency="EUR")
    assert shop.app.view_cart()(shop.customer()).currency == "EUR"


def test_adding_a_book_shows_its_line_at_todays_price(
    shop: Shop, ada: Actor, dune: Book, emma: Book
) -> None:
    cart = shop.app.add_to_cart()(AddToCartCommand(ada, dune.id, 2))
    assert cart.lines == (CartLineView(dune.id, "Dune", Money(999), 2, in_stock=True),)
    add(shop, ada, emma.id)
    cart = shop.app.view_cart()(ada)
    assert [line.line_total for line in cart.lines] == [Money(1998), Money(450)]
    assert (cart.total_quantity, cart.subtotal) == (3, Money(2448))


def test_adding_a_book_already_in_the_cart_adds_to_its_line(
    shop: Shop, ada: Actor, dune: Book
) -> None:
    add(shop, ada, dune.id, 2)
    add(shop, ada, dune.id)
    assert shop.cart_lines(ada) == {dune.id: 3}


def test_the_quantity_added_defaults_to_one(shop: Shop, ada: Actor, dune: Book) -> None:
    shop.app.add_to_cart()(AddToCartCommand(ada, dune.id))
    assert shop.cart_lines(ada) == {dune.id: 1}


def test_a_line_above_the_stock_is_refused_and_the_cart_is_unchanged(
    shop: Shop, ada: Actor, dune: Book
) -> None:
    add(shop, ada, dune.id, 4)
    with pytest.raises(InsufficientStock) as refused:
        add(shop, ada, dune.id, 2)
    assert refused.value.shortages == (Shortage(dune.id, "Dune", requested=6, available=5),)
    assert shop.cart_lines(ada) == {dune.id: 4}


def test_a_line_may_take_every_copy_in_stock(shop: Shop, ada: Actor, dune: Book) -> None:
    add(shop, ada, dune.id, 5)
    assert shop.cart_lines(ada) == {dune.id: 5}


def test_a_book_that_is_sold_out_cannot_be_added(shop: Shop, ada: Actor) -> None:
    sold_out = shop.book(stock=0)
    with pytest.raises(InsufficientStock):
        add(shop, ada, sold_out.id)
    assert shop.cart_lines(ada) == {}


def test_adding_an_unknown_book_is_not_found(shop: Shop, ada: Actor) -> None:
    with pytest.raises(BookNotFound):
        add(shop, ada, 404)
    assert shop.cart_lines(ada) == {}


@pytest.mark.parametrize("quantity", [0, -1, 101])
def test_adding_a_quantity_outside_1_to_100_is_refused(
    shop: Shop, ada: Actor, quantity: int
) -> None:
    plenty = shop.book(stock=1000)
    with pytest.raises(InvalidInput):
        add(shop, ada, plenty.id, quantity)
    assert shop.cart_lines(ada) == {}


def test_a_line_above_the_line_limit_is_refused_even_with_stock_to_spare() -> None:
    shop = Shop.open(max_line_quantity=3)
    ada, plenty = shop.customer(), shop.book(stock=1000)
    add(shop, ada, plenty.id, 2)
    with pytest.raises(CartLimitExceeded):
        add(shop, ada, plenty.id, 2)
    with pytest.raises(CartLimitExceeded):
        set_quantity(shop, ada, plenty.id, 4)
    assert shop.cart_lines(ada) == {plenty.id: 2}


def test_the_default_line_limit_is_a_hundred_copies(shop: Shop, ada: Actor) -> None:
    plenty = shop.book(stock=1000)
    add(shop, ada, plenty.id, 100)
    with pytest.raises(CartLimitExceeded):
        add(shop, ada, plenty.id, 1)
    assert shop.cart_lines(ada) == {plenty.id: 100}


def test_a_book_beyond_the_distinct_books_limit_is_refused() -> None:
    shop = Shop.open(max_cart_books=2)
    ada = shop.customer()
    one, two, three = shop.book(), shop.book(), shop.book()
    add(shop, ada, one.id)
    add(shop, ada, two.id)
    with pytest.raises(CartLimitExceeded):
        add(shop, ada, three.id)
    with pytest.raises(CartLimitExceeded):
        set_quantity(shop, ada, three.id, 1)
    add(shop, ada, two.id)
    assert shop.cart_lines(ada) == {one.id: 1, two.id: 2}


def test_setting_a_quantity_creates_or_replaces_the_line(
    shop: Shop, ada: Actor, dune: Book
) -> None:
    set_quantity(shop, ada, dune.id, 3)
    assert shop.cart_lines(ada) == {dune.id: 3}
    set_quantity(shop, ada, dune.id, 1)
    assert shop.cart_lines(ada) == {dune.id: 1}


def test_setting_a_quantity_of_zero_removes_the_line(
    shop: Shop, ada: Actor, dune: Book, emma: Book
) -> None:
    add(shop, ada, dune.id)
    add(shop, ada, emma.id)
    set_quantity(shop, ada, dune.id, 0)
    assert shop.cart_lines(ada) == {emma.id: 1}
    set_quantity(shop, ada, dune.id, 0)
    assert shop.cart_lines(ada) == {emma.id: 1}


def test_setting_a_quantity_above_the_stock_is_refused(shop: Shop, ada: Actor, dune: Book) -> None:
    add(shop, ada, dune.id, 2)
    with pytest.raises(InsufficientStock) as refused:
        set_quantity(shop, ada, dune.id, 6)
    assert refused.value.shortages[0].requested == 6
    assert shop.cart_lines(ada) == {dune.id: 2}


@pytest.mark.parametrize("quantity", [-1, 101])
def test_setting_a_quantity_outside_0_to_100_is_refused(
    shop: Shop, ada: Actor, dune: Book, quantity: int
) -> None:
    add(shop, ada, dune.id, 2)
    with pytest.raises(InvalidInput):
        set_quantity(shop, ada, dune.id, quantity)
    assert shop.cart_lines(ada) == {dune.id: 2}


def test_setting_a_quantity_of_an_unknown_book_is_not_found(shop: Shop, ada: Actor) -> None:
    with pytest.raises(BookNotFound):
        set_quantity(shop, ada, 404, 1)


def test_removing_a_line_takes_the_book_out(shop: Shop, ada: Actor, dune: Book, emma: Book) -> None:
    add(shop, ada, dune.id)
    add(shop, ada, emma.id)
    cart = shop.app.remove_from_cart()(RemoveFromCartCommand(ada, dune.id))
    assert [line.book_id for line in cart.lines] == [emma.id]
    assert shop.cart_lines(ada) == {emma.id: 1}


def test_removing_a_book_that_is_not_in_the_cart_is_not_found(
    shop: Shop, ada: Actor, dune: Book
) -> None:
    with pytest.raises(CartLineNotFound):
        shop.app.remove_from_cart()(RemoveFromCartCommand(ada, dune.id))


def test_clearing_the_cart_empties_it(shop: Shop, ada: Actor, dune: Book, emma: Book) -> None:
    add(shop, ada, dune.id)
    add(shop, ada, emma.id)
    shop.app.clear_cart()(ada)
    assert shop.cart_lines(ada) == {}
    shop.app.clear_cart()(ada)


def test_each_customer_has_their_own_cart(shop: Shop, ada: Actor, dune: Book) -> None:
    bob = shop.customer()
    add(shop, ada, dune.id, 2)
    add(shop, bob, dune.id, 3)
    shop.app.clear_cart()(bob)
    assert shop.cart_lines(ada) == {dune.id: 2}
    assert shop.cart_lines(bob) == {}


def test_a_cart_shows_todays_price_and_title(shop: Shop, ada: Actor, dune: Book) -> None:
    add(shop, ada, dune.id, 2)
    changes = BookChanges(price="12.00", title="Dune (reissue)")
    shop.app.update_book()(UpdateBookCommand(shop.root, dune.id, changes))
    [line] = shop.app.view_cart()(ada).lines
    assert (line.title, line.unit_price, line.line_total) == (
        "Dune (reissue)",
        Money(1200),
        Money(2400),
    )


def test_a_line_the_stock_no_longer_covers_is_marked_out_of_stock(
    shop: Shop, ada: Actor, dune: Book
) -> None:
    add(shop, ada, dune.id, 3)
    shop.order(shop.customer(), (dune, 4))
    [line] = shop.app.view_cart()(ada).lines
    assert (line.quantity, line.in_stock) == (3, False)
