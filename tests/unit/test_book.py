"""Books: validated details, partial updates, and stock that never goes below zero."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bookstore.domain.book import UNSET, Book, BookChanges, BookDetails
from bookstore.domain.errors import InsufficientStock, InvalidInput, Shortage
from bookstore.domain.money import Money
from bookstore.domain.values import Isbn

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

DUNE: dict[str, Any] = {
    "title": "Dune",
    "author": "Frank Herbert",
    "genre": "Science Fiction",
    "price": "9.99",
    "stock": 3,
}


def a_book(**fields: Any) -> Book:
    return Book(7, BookDetails.parse(**(DUNE | fields)), NOW, NOW)


def offending_fields(error: InvalidInput) -> set[str]:
    return {e.field for e in error.errors}


def test_details_are_trimmed_and_normalised() -> None:
    details = BookDetails.parse(
        title="  Dune ",
        author=" Frank Herbert",
        genre="Science Fiction ",
        price=" 9.99 ",
        stock=3,
        isbn="0-441-17271-7",
        description="  A desert planet.\nSpice.  ",
        published_year=1965,
    )
    assert details == BookDetails(
        title="Dune",
        author="Frank Herbert",
        genre="Science Fiction",
        price=Money(999),
        stock=3,
        isbn=Isbn("9780441172719"),
        description="A desert planet.\nSpice.",
        published_year=1965,
    )


def test_the_optional_details_may_be_left_out() -> None:
    details = BookDetails.parse(**DUNE)
    assert (details.isbn, details.description, details.published_year) == (None, None, None)


def test_a_blank_description_is_no_description() -> None:
    assert BookDetails.parse(**DUNE, description="   ").description is None


def test_every_offending_field_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as refused:
        BookDetails.parse(
            title=" ",
            author="a" * 201,
            genre="g" * 101,
            price="0",
            stock=-1,
            isbn="978-0-441-17271-0",
            description="d" * 5001,
            published_year=0,
        )
    assert offending_fields(refused.value) == {
        "title",
        "author",
        "genre",
        "price",
        "stock",
        "isbn",
        "description",
        "published_year",
    }
    assert len(refused.value.errors) == 8


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"price": "0"}, "price"),
        ({"price": "-1.00"}, "price"),
        ({"price": "1000000"}, "price"),
        ({"price": "9.999"}, "price"),
        ({"stock": 1_000_001}, "stock"),
        ({"stock": True}, "stock"),
        ({"title": "t" * 301}, "title"),
        ({"author": ""}, "author"),
        ({"genre": "Sci\nFi"}, "genre"),
        ({"published_year": 2101}, "published_year"),
        ({"isbn": "not an isbn"}, "isbn"),
    ],
)
def test_a_detail_out_of_its_bounds_is_refused(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        BookDetails.parse(**(DUNE | fields))
    assert offending_fields(refused.value) == {field}


@pytest.mark.parametrize(
    "fields",
    [
        {"price": "0.01"},
        {"price": "999999.99"},
        {"price": 5},
        {"stock": 0},
        {"stock": 1_000_000},
        {"title": "t" * 300},
        {"published_year": 1},
        {"published_year": 2100},
    ],
)
def test_a_detail_at_the_edge_of_its_bounds_is_accepted(fields: dict[str, Any]) -> None:
    BookDetails.parse(**(DUNE | fields))


def test_changes_name_only_the_fields_given() -> None:
    changes = BookChanges(price="12.50", description=None)
    assert changes.given() == {"price": "12.50", "description": None}
    assert BookChanges().given() == {}
    assert BookChanges(isbn=UNSET).given() == {}


def test_a_partial_update_changes_the_given_fields_and_keeps_the_others() -> None:
    book = a_book(isbn="9780441172719", description="Spice.", published_year=1965)
    later = NOW + timedelta(hours=1)
    book.apply(BookChanges(price="12.50", title=" Dune Messiah "), later)
    assert book.details == BookDetails.parse(
        **(DUNE | {"title": "Dune Messiah", "price": "12.50"}),
        isbn="9780441172719",
        description="Spice.",
        published_year=1965,
    )
    assert (book.created_at, book.updated_at) == (NOW, later)


def test_none_clears_a_nullable_field_while_unset_keeps_it() -> None:
    book = a_book(isbn="9780441172719", description="Spice.", published_year=1965)
    book.apply(BookChanges(description=None, isbn=None), NOW)
    assert book.details.description is None
    assert book.details.isbn is None
    assert book.details.published_year == 1965


def test_an_update_sets_the_stock_to_the_number_given() -> None:
    book = a_book(stock=3)
    book.apply(BookChanges(stock=40), NOW)
    assert book.stock == 40


def test_an_invalid_update_reports_every_field_and_changes_nothing() -> None:
    book = a_book()
    before = book.details
    later = NOW + timedelta(hours=1)
    with pytest.raises(InvalidInput) as refused:
        book.apply(BookChanges(title="", price="-1", stock=-5, isbn="123"), later)
    assert offending_fields(refused.value) == {"title", "price", "stock", "isbn"}
    assert book.details == before
    assert book.updated_at == NOW


def test_taking_stock_lowers_it_by_the_quantity() -> None:
    book = a_book(stock=3)
    book.take_stock(2)
    assert book.stock == 1
    book.take_stock(1)
    assert book.stock == 0


def test_taking_more_stock_than_there_is_is_refused_and_changes_nothing() -> None:
    book = a_book(stock=3)
    with pytest.raises(InsufficientStock) as refused:
        book.take_stock(4)
    assert refused.value.shortages == (Shortage(7, "Dune", requested=4, available=3),)
    assert book.stock == 3


@pytest.mark.parametrize("quantity", [-5, -1])
def test_taking_a_negative_number_of_copies_is_refused(quantity: int) -> None:
    """Otherwise `take_stock(-5)` would quietly add five copies."""
    book = a_book(stock=3)
    with pytest.raises((InvalidInput, ValueError)):
        book.take_stock(quantity)
    assert book.stock == 3


def test_a_book_covers_a_quantity_up_to_its_stock() -> None:
    book = a_book(stock=3)
    assert book.covers(3)
    assert not book.covers(4)
    assert book.shortage(3) is None
    assert book.shortage(5) == Shortage(7, "Dune", requested=5, available=3)


def test_restocking_adds_copies() -> None:
    book = a_book(stock=3)
    book.restock(7)
    assert book.stock == 10


@pytest.mark.parametrize("quantity", [0, -1, 999_998])
def test_restocking_refuses_a_quantity_that_is_not_positive_or_overflows(quantity: int) -> None:
    book = a_book(stock=3)
    with pytest.raises(InvalidInput):
        book.restock(quantity)
    assert book.stock == 3


def test_restocking_up_to_the_largest_stock_is_allowed() -> None:
    book = a_book(stock=3)
    book.restock(999_997)
    assert book.stock == 1_000_000
