"""Browsing and searching the catalogue: filters, sorts, relevance and pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bookstore.application.queries import BookQuery, BookSort
from bookstore.domain.money import Money
from bookstore.domain.pagination import PageRequest

from .support import Shop


def titles(shop: Shop, **query: Any) -> list[str]:
    page = shop.app.search_books()(BookQuery(**query))
    return [book.title for book in page.items]


@pytest.fixture
def catalogue(shop: Shop) -> Shop:
    """Books added a minute apart, in this order."""
    for title, author, genre, price, stock in [
        ("Dune", "Frank Herbert", "Science Fiction", "9.99", 3),
        ("Emma", "Jane Austen", "Classics", "4.50", 0),
        ("Les Misérables", "Victor Hugo", "Classics", "12.00", 5),
        ("Children of Dune", "Frank Herbert", "Science Fiction", "10.00", 1),
        ("The Left Hand of Darkness", "Ursula K. Le Guin", "Science Fiction", "8.25", 2),
    ]:
        shop.clock.advance(timedelta(minutes=1))
        shop.book(title, author=author, genre=genre, price=price, stock=stock)
    return shop


def test_the_catalogue_lists_every_book_by_title_by_default(catalogue: Shop) -> None:
    assert titles(catalogue) == [
        "Children of Dune",
        "Dune",
        "Emma",
        "Les Misérables",
        "The Left Hand of Darkness",
    ]


def test_the_title_sort_ignores_case(shop: Shop) -> None:
    for title in ("banana", "Apple", "cherry"):
        shop.book(title)
    assert titles(shop) == ["Apple", "banana", "cherry"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (BookSort.TITLE_DESC, ["The Left Hand of Darkness", "Les Misérables", "Emma", "Dune"]),
        (BookSort.PRICE, ["Emma", "The Left Hand of Darkness", "Dune", "Children of Dune"]),
        (
            BookSort.PRICE_DESC,
            ["Les Misérables", "Children of Dune", "Dune", "The Left Hand of Darkness"],
        ),
        (BookSort.CREATED_AT, ["Dune", "Emma", "Les Misérables", "Children of Dune"]),
        (
            BookSort.CREATED_AT_DESC,
            ["The Left Hand of Darkness", "Children of Dune", "Les Misérables", "Emma"],
        ),
    ],
)
def test_the_catalogue_sorts_as_asked(catalogue: Shop, sort: BookSort, expected: list[str]) -> None:
    assert titles(catalogue, sort=sort)[:4] == expected


def test_books_of_equal_price_keep_a_stable_order(shop: Shop) -> None:
    first, second = shop.book("B", price="5.00"), shop.book("A", price="5.00")
    page = shop.app.search_books()(BookQuery(sort=BookSort.PRICE))
    assert [b.id for b in page.items] == [first.id, second.id]


def test_the_title_filter_matches_a_case_insensitive_substring(catalogue: Shop) -> None:
    assert titles(catalogue, title="dUNE") == ["Children of Dune", "Dune"]


def test_the_author_filter_matches_a_case_insensitive_substring(catalogue: Shop) -> None:
    assert titles(catalogue, author="herb") == ["Children of Dune", "Dune"]


def test_percent_and_underscore_in_a_filter_are_plain_characters(shop: Shop) -> None:
    shop.book("50% Off Everything")
    shop.book("5000 Offers")
    shop.book("snake_case")
    shop.book("snakescase")
    assert titles(shop, title="50%") == ["50% Off Everything"]
    assert titles(shop, title="e_c") == ["snake_case"]
    assert titles(shop, title="%") == ["50% Off Everything"]
    assert titles(shop, author="%") == []


def test_the_genre_filter_matches_the_whole_genre_in_any_case(catalogue: Shop) -> None:
    assert titles(catalogue, genre="classics") == ["Emma", "Les Misérables"]
    assert titles(catalogue, genre="Science") == []


def test_the_price_filters_are_inclusive(catalogue: Shop) -> None:
    query = {"min_price": Money(825), "max_price": Money(1000), "sort": BookSort.PRICE}
    assert titles(catalogue, **query) == ["The Left Hand of Darkness", "Dune", "Children of Dune"]


def test_in_stock_leaves_out_sold_out_books(catalogue: Shop) -> None:
    assert "Emma" not in titles(catalogue, in_stock=True)
    assert len(titles(catalogue, in_stock=True)) == 4
    assert "Emma" in titles(catalogue, in_stock=False)


def test_filters_combine(catalogue: Shop) -> None:
    query = {"author": "herbert", "max_price": Money(999), "in_stock": True}
    assert titles(catalogue, **query) == ["Dune"]


def test_free_text_looks_in_title_author_and_genre(catalogue: Shop) -> None:
    assert titles(catalogue, text="austen") == ["Emma"]
    assert titles(catalogue, text="classics") == ["Emma", "Les Misérables"]
    assert set(titles(catalogue, text="dune")) == {"Dune", "Children of Dune"}


def test_every_word_of_the_free_text_must_match(catalogue: Shop) -> None:
    assert titles(catalogue, text="children herbert") == ["Children of Dune"]
    assert titles(catalogue, text="dune austen") == []


def test_free_text_ignores_case_and_accents(catalogue: Shop) -> None:
    assert titles(catalogue, text="MISERABLES") == ["Les Misérables"]
    assert titles(catalogue, text="misérables hugo") == ["Les Misérables"]


def test_an_accented_search_finds_a_title_written_without_accents(shop: Shop) -> None:
    shop.book("Cafe Society")
    assert titles(shop, text="café") == ["Cafe Society"]


def test_free_text_matches_the_start_of_a_word(catalogue: Shop) -> None:
    assert titles(catalogue, text="miser") == ["Les Misérables"]


def test_punctuation_in_the_free_text_is_not_query_syntax(catalogue: Shop) -> None:
    assert titles(catalogue, text="dune:*") == titles(catalogue, text="dune")
    assert titles(catalogue, text="%") == titles(catalogue)


def test_a_title_match_ranks_above_a_genre_only_match(shop: Shop) -> None:
    shop.book("Alpha Centauri", genre="Space Opera")
    shop.book("Zebras in Space", genre="Nature")
    shop.book("Mid Space Tales", author="Nobody", genre="Space")
    assert titles(shop, text="space") == ["Mid Space Tales", "Zebras in Space", "Alpha Centauri"]


def test_an_author_match_ranks_between_title_and_genre_matches(shop: Shop) -> None:
    shop.book("Alpha", author="Someone", genre="Herbert Studies")
    shop.book("Beta", author="Frank Herbert")
    shop.book("Zulu Herbert")
    assert titles(shop, text="herbert") == ["Zulu Herbert", "Beta", "Alpha"]


def test_an_explicit_sort_overrides_relevance(catalogue: Shop) -> None:
    assert titles(catalogue, text="dune", sort=BookSort.PRICE_DESC) == ["Children of Dune", "Dune"]


@pytest.mark.parametrize(
    ("title", "author", "search"),
    [
        ("The Hitchhiker's Guide to the Galaxy", "Douglas Adams", "Hitchhiker's Guide"),
        ("Nausea", "Jean-Paul Sartre", "Jean-Paul"),
        ("Nausea", "Jean-Paul Sartre", "Paul Sartre"),
        ("Catch-22", "Joseph Heller", "catch 22"),
    ],
)
def test_words_written_as_in_the_book_find_the_book(
    shop: Shop, title: str, author: str, search: str
) -> None:
    shop.book(title, author=author)
    assert titles(shop, text=search) == [title]


def test_the_total_counts_every_match_not_just_the_page(catalogue: Shop) -> None:
    page = catalogue.app.search_books()(
        BookQuery(genre="science fiction", page=PageRequest(page=2, page_size=2))
    )
    assert [b.title for b in page.items] == ["The Left Hand of Darkness"]
    assert (page.total, page.page, page.page_size) == (3, 2, 2)


def test_a_page_past_the_end_is_empty_but_keeps_the_total(catalogue: Shop) -> None:
    page = catalogue.app.search_books()(BookQuery(page=PageRequest(page=9, page_size=2)))
    assert (list(page.items), page.total) == ([], 5)


def test_books_in_a_search_result_are_copies(catalogue: Shop) -> None:
    [dune] = catalogue.app.search_books()(
        BookQuery(title="Dune", author="Frank", in_stock=True, max_price=Money(999))
    ).items
    dune.take_stock(1)
    assert catalogue.stock_of(dune.id) == 3
