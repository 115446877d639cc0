"""Page requests and catalogue queries validate themselves, naming every bad field."""

from __future__ import annotations

import pytest

from bookstore.application.queries import BookQuery, BookSort
from bookstore.domain.errors import InvalidInput
from bookstore.domain.money import Money
from bookstore.domain.pagination import Page, PageRequest


def test_a_page_request_defaults_to_the_first_page_of_twenty() -> None:
    request = PageRequest()
    assert (request.page, request.page_size, request.offset) == (1, 20, 0)


def test_a_page_request_skips_the_earlier_pages() -> None:
    assert PageRequest(page=3, page_size=25).offset == 50


@pytest.mark.parametrize(("page", "page_size"), [(1, 1), (1, 100), (1_000_000, 20)])
def test_a_page_request_within_bounds_is_accepted(page: int, page_size: int) -> None:
    PageRequest(page, page_size)


@pytest.mark.parametrize(
    ("page", "page_size", "fields"),
    [
        (0, 20, {"page"}),
        (-1, 20, {"page"}),
        (1_000_001, 20, {"page"}),
        (1, 0, {"page_size"}),
        (1, 101, {"page_size"}),
        (True, 20, {"page"}),
        (1, True, {"page_size"}),
        (0, 101, {"page", "page_size"}),
    ],
)
def test_a_page_request_out_of_bounds_names_every_bad_field(
    page: int, page_size: int, fields: set[str]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        PageRequest(page, page_size)
    assert {e.field for e in refused.value.errors} == fields


def test_a_page_carries_its_request_and_the_total() -> None:
    page = Page.of(["a", "b"], PageRequest(2, 2), total=5)
    assert (page.items, page.page, page.page_size, page.total) == (["a", "b"], 2, 2, 5)
    assert page.map(str.upper) == Page(["A", "B"], 2, 2, 5)


def test_a_minimum_price_above_the_maximum_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        BookQuery(min_price=Money(1000), max_price=Money(999))
    assert [e.field for e in refused.value.errors] == ["min_price"]
    BookQuery(min_price=Money(1000), max_price=Money(1000))
    BookQuery(min_price=Money(0), max_price=Money(0))


def test_overlong_search_texts_are_refused_naming_each() -> None:
    with pytest.raises(InvalidInput) as refused:
        BookQuery(text="q" * 201, title="t" * 301, author="a" * 301, genre="g" * 301)
    assert {e.field for e in refused.value.errors} == {"q", "title", "author", "genre"}
    BookQuery(text="q" * 200, title="t" * 300, author="a" * 300, genre="g" * 300)


def test_search_words_keep_letters_and_digits_only() -> None:
    assert BookQuery(text="  Dune: part 2 (1965)! ").search_words == ["Dune", "part", "2", "1965"]
    assert BookQuery(text="%_*'\"").search_words == []
    assert BookQuery().search_words == []


def test_the_sort_defaults_to_relevance_with_words_and_to_title_without() -> None:
    assert BookQuery(text="dune").effective_sort is BookSort.RELEVANCE
    assert BookQuery().effective_sort is BookSort.TITLE
    assert BookQuery(text="!!!").effective_sort is BookSort.TITLE
    assert BookQuery(sort=BookSort.RELEVANCE).effective_sort is BookSort.TITLE
    assert BookQuery(text="dune", sort=BookSort.PRICE).effective_sort is BookSort.PRICE
