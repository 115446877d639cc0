"""Admins manage the catalogue: add, edit, restock and remove books."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bookstore.application.queries import BookQuery
from bookstore.application.use_cases import (
    AddBookCommand,
    GetOrderCommand,
    PlaceOrderCommand,
    RemoveBookCommand,
    RestockBookCommand,
    UpdateBookCommand,
)
from bookstore.domain.book import BookChanges, BookDetails
from bookstore.domain.errors import BookNotFound, DuplicateIsbn, InvalidInput
from bookstore.domain.money import Money
from bookstore.domain.order import OrderLine
from bookstore.domain.values import Isbn

from .support import Shop

DUNE_ISBN13 = "978-0-441-17271-9"
DUNE_ISBN10 = "0441172717"


def details(title: str = "Dune", **fields: Any) -> BookDetails:
    defaults: dict[str, Any] = {
        "author": "Frank Herbert",
        "genre": "Science Fiction",
        "price": "9.99",
        "stock": 3,
    }
    return BookDetails.parse(title=title, **(defaults | fields))


# Add


def test_an_admin_adds_a_book_with_an_id_and_timestamps(shop: Shop) -> None:
    book = shop.app.add_book()(AddBookCommand(shop.root, details(isbn=DUNE_ISBN10)))
    assert book.id >= 1
    assert book.details == details(isbn="9780441172719")
    assert book.created_at == book.updated_at == shop.clock.now()
    assert shop.app.get_book()(book.id) == book


def test_each_new_book_gets_its_own_id(shop: Shop) -> None:
    ids = {shop.book().id for _ in range(5)}
    assert len(ids) == 5


def test_an_isbn_already_in_the_catalogue_is_refused_in_either_form(shop: Shop) -> None:
    add = shop.app.add_book()
    add(AddBookCommand(shop.root, details(isbn=DUNE_ISBN13)))
    with pytest.raises(DuplicateIsbn) as refused:
        add(AddBookCommand(shop.root, details("Dune again", isbn=DUNE_ISBN10)))
    assert refused.value.isbn == "9780441172719"
    assert shop.app.search_books()(BookQuery()).total == 1


def test_the_same_isbn_spelt_in_other_digits_is_not_a_second_book(shop: Shop) -> None:
    arabic_indic = "".join(chr(0x0660 + int(c)) for c in DUNE_ISBN10)
    shop.book("Dune", isbn=DUNE_ISBN10)
    with pytest.raises((DuplicateIsbn, InvalidInput)):
        shop.book("Dune again", isbn=arabic_indic)


def test_many_books_may_have_no_isbn(shop: Shop) -> None:
    shop.book("One")
    shop.book("Two")
    assert shop.app.search_books()(BookQuery()).total == 2


# Get


def test_an_unknown_book_is_not_found(shop: Shop) -> None:
    with pytest.raises(BookNotFound) as refused:
        shop.app.get_book()(404)
    assert refused.value.book_id == 404


# Update


def test_an_update_changes_only_the_fields_given(shop: Shop) -> None:
    book = shop.book("Dune", price="9.99", stock=3, description="Spice.", published_year=1965)
    shop.clock.advance(timedelta(hours=1))
    changes = BookChanges(price="12.50", author="F. Herbert")
    updated = shop.app.update_book()(UpdateBookCommand(shop.root, book.id, changes))
    assert updated.price == Money(1250)
    assert updated.details.author == "F. Herbert"
    assert (updated.title, updated.stock, updated.details.description) == ("Dune", 3, "Spice.")
    assert updated.details.published_year == 1965
    assert (updated.created_at, updated.updated_at) == (book.created_at, shop.clock.now())
    assert shop.app.get_book()(book.id) == updated


def test_an_update_may_clear_a_nullable_field(shop: Shop) -> None:
    book = shop.book(isbn=DUNE_ISBN13, description="Spice.")
    changes = BookChanges(isbn=None, description=None)
    updated = shop.app.update_book()(UpdateBookCommand(shop.root, book.id, changes))
    assert (updated.details.isbn, updated.details.description) == (None, None)


def test_an_update_normalises_the_isbn(shop: Shop) -> None:
    book = shop.book()
    changes = BookChanges(isbn=DUNE_ISBN10)
    updated = shop.app.update_book()(UpdateBookCommand(shop.root, book.id, changes))
    assert updated.details.isbn == Isbn("9780441172719")


def test_an_update_may_set_the_stock_outright(shop: Shop) -> None:
    book = shop.book(stock=3)
    shop.app.update_book()(UpdateBookCommand(shop.root, book.id, BookChanges(stock=0)))
    assert shop.stock_of(book.id) == 0


def test_an_update_to_another_books_isbn_is_refused_and_changes_nothing(shop: Shop) -> None:
    shop.book("Dune", isbn=DUNE_ISBN13)
    other = shop.book("Emma", price="4.00")
    changes = BookChanges(isbn=DUNE_ISBN10, price="5.00")
    with pytest.raises(DuplicateIsbn):
        shop.app.update_book()(UpdateBookCommand(shop.root, other.id, changes))
    assert shop.app.get_book()(other.id) == other


def test_a_book_may_keep_its_own_isbn_in_an_update(shop: Shop) -> None:
    book = shop.book(isbn=DUNE_ISBN13)
    changes = BookChanges(isbn=DUNE_ISBN10, title="Dune (1965)")
    assert shop.app.update_book()(UpdateBookCommand(shop.root, book.id, changes)).title == (
        "Dune (1965)"
    )


def test_an_invalid_update_names_every_field_and_changes_nothing(shop: Shop) -> None:
    book = shop.book()
    changes = BookChanges(title="", price="0", stock=-1)
    with pytest.raises(InvalidInput) as refused:
        shop.app.update_book()(UpdateBookCommand(shop.root, book.id, changes))
    assert {e.field for e in refused.value.errors} == {"title", "price", "stock"}
    assert shop.app.get_book()(book.id) == book


def test_updating_an_unknown_or_removed_book_is_not_found(shop: Shop) -> None:
    book = shop.book()
    shop.app.remove_book()(RemoveBookCommand(shop.root, book.id))
    update = shop.app.update_book()
    for book_id in (book.id, 404):
        with pytest.raises(BookNotFound):
            update(UpdateBookCommand(shop.root, book_id, BookChanges(price="1.00")))


# Restock


def test_restocking_adds_copies_and_touches_the_book(shop: Shop) -> None:
    book = shop.book(stock=3)
    shop.clock.advance(timedelta(minutes=5))
    restocked = shop.app.restock_book()(RestockBookCommand(shop.root, book.id, 7))
    assert restocked.stock == 10
    assert restocked.updated_at == shop.clock.now()
    assert shop.stock_of(book.id) == 10


@pytest.mark.parametrize("quantity", [0, -3, 1_000_001])
def test_restocking_refuses_a_quantity_outside_1_to_a_million(shop: Shop, quantity: int) -> None:
    book = shop.book(stock=3)
    with pytest.raises(InvalidInput) as refused:
        shop.app.restock_book()(RestockBookCommand(shop.root, book.id, quantity))
    assert [e.field for e in refused.value.errors] == ["quantity"]
    assert shop.stock_of(book.id) == 3


def test_restocking_refuses_to_take_the_stock_past_a_million(shop: Shop) -> None:
    book = shop.book(stock=999_999)
    with pytest.raises(InvalidInput):
        shop.app.restock_book()(RestockBookCommand(shop.root, book.id, 2))
    assert shop.stock_of(book.id) == 999_999


def test_restocking_an_unknown_book_is_not_found(shop: Shop) -> None:
    with pytest.raises(BookNotFound):
        shop.app.restock_book()(RestockBookCommand(shop.root, 404, 1))


# Remove


def test_a_removed_book_leaves_the_catalogue(shop: Shop) -> None:
    book = shop.book("Dune")
    shop.book("Emma")
    shop.app.remove_book()(RemoveBookCommand(shop.root, book.id))
    with pytest.raises(BookNotFound):
        shop.app.get_book()(book.id)
    assert [b.title for b in shop.app.search_books()(BookQuery()).items] == ["Emma"]
    assert shop.app.search_books()(BookQuery(text="dune")).total == 0


def test_a_removed_book_disappears_from_every_cart(shop: Shop) -> None:
    dune, emma = shop.book("Dune"), shop.book("Emma")
    ada, bob = shop.customer(), shop.customer()
    shop.fill_cart(ada, (dune, 1), (emma, 2))
    shop.fill_cart(bob, (dune, 3))
    shop.app.remove_book()(RemoveBookCommand(shop.root, dune.id))
    assert shop.cart_lines(ada) == {emma.id: 2}
    assert shop.cart_lines(bob) == {}
    assert shop.storage.state.carts[bob.user_id] == {}
    shop.app.place_order()(PlaceOrderCommand(ada))


def test_past_orders_keep_the_lines_of_a_removed_book(shop: Shop) -> None:
    dune = shop.book("Dune", price="9.99")
    ada = shop.customer()
    order = shop.order(ada, (dune, 2))
    shop.app.remove_book()(RemoveBookCommand(shop.root, dune.id))
    kept = shop.app.get_order()(GetOrderCommand(ada, order.id))
    assert kept.lines == (OrderLine(dune.id, "Dune", Money(999), 2),)
    assert kept.total == Money(1998)


def test_removing_an_unknown_or_already_removed_book_is_not_found(shop: Shop) -> None:
    book = shop.book()
    remove = shop.app.remove_book()
    remove(RemoveBookCommand(shop.root, book.id))
    for book_id in (book.id, 404):
        with pytest.raises(BookNotFound):
            remove(RemoveBookCommand(shop.root, book_id))


def test_a_new_book_never_reuses_a_removed_books_id(shop: Shop) -> None:
    book = shop.book()
    shop.app.remove_book()(RemoveBookCommand(shop.root, book.id))
    assert shop.book().id != book.id
