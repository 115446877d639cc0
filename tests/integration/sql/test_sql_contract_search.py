"""Catalogue search: filters, sorts, pages, relevance and accents, on every storage."""

from __future__ import annotations

import pytest
from sql_support import add_books, details

from bookstore.application.ports import UnitOfWorkFactory
from bookstore.application.queries import BookQuery, BookSort
from bookstore.domain.book import Book
from bookstore.domain.money import Money
from bookstore.domain.pagination import PageRequest


def titles(factory: UnitOfWorkFactory, query: BookQuery) -> list[str]:
    with factory(read_only=True) as uow:
        return [book.title for book in uow.books.search(query).items]


@pytest.fixture
def shelf(uow_factory: UnitOfWorkFactory) -> list[Book]:
    return add_books(
        uow_factory,
        details("Dune", author="Frank Herbert", genre="Science fiction", price="9.99", stock=5),
        details("Emma", author="Jane Austen", genre="Classic", price="4.50", stock=0),
        details("brave new world", author="Aldous Huxley", genre="Science Fiction", price="7.00"),
        details("Les Misérables", author="Victor Hugo", genre="Classic", price="12.00"),
        details("100% Cotton", author="Anna Sewn", genre="Crafts", price="20.00"),
        details("snake_case for all", author="Guido", genre="Computing", price="30.00"),
        details("Children of Dune", author="Frank Herbert", genre="science fiction"),
    )


@pytest.mark.usefixtures("shelf")
class TestFilters:
    def test_no_filter_lists_the_catalogue_by_title(self, uow_factory: UnitOfWorkFactory) -> None:
        assert titles(uow_factory, BookQuery()) == [
            "100% Cotton",
            "brave new world",
            "Children of Dune",
            "Dune",
            "Emma",
            "Les Misérables",
            "snake_case for all",
        ]

    def test_title_is_a_case_insensitive_substring(self, uow_factory: UnitOfWorkFactory) -> None:
        assert titles(uow_factory, BookQuery(title="dUNe")) == ["Children of Dune", "Dune"]

    def test_percent_and_underscore_are_plain_characters(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        assert titles(uow_factory, BookQuery(title="%")) == ["100% Cotton"]
        assert titles(uow_factory, BookQuery(title="0% c")) == ["100% Cotton"]
        assert titles(uow_factory, BookQuery(title="_")) == ["snake_case for all"]
        assert titles(uow_factory, BookQuery(title="e_c")) == ["snake_case for all"]
        assert titles(uow_factory, BookQuery(title="D_ne")) == []
        assert titles(uow_factory, BookQuery(title="\\")) == []

    def test_author_is_a_case_insensitive_substring(self, uow_factory: UnitOfWorkFactory) -> None:
        assert titles(uow_factory, BookQuery(author="HERB")) == ["Children of Dune", "Dune"]

    def test_genre_matches_whole_whatever_the_case(self, uow_factory: UnitOfWorkFactory) -> None:
        assert titles(uow_factory, BookQuery(genre="SCIENCE FICTION")) == [
            "brave new world",
            "Children of Dune",
            "Dune",
        ]
        assert titles(uow_factory, BookQuery(genre="Science")) == []

    def test_prices_are_inclusive(self, uow_factory: UnitOfWorkFactory) -> None:
        query = BookQuery(min_price=Money(450), max_price=Money(999))
        assert titles(uow_factory, query) == ["brave new world", "Children of Dune", "Dune", "Emma"]

    def test_in_stock_leaves_out_sold_out_books(self, uow_factory: UnitOfWorkFactory) -> None:
        assert "Emma" not in titles(uow_factory, BookQuery(in_stock=True))
        assert len(titles(uow_factory, BookQuery(in_stock=True))) == 6

    def test_filters_combine(self, uow_factory: UnitOfWorkFactory) -> None:
        query = BookQuery(
            text="dune", author="herbert", max_price=Money(999), in_stock=True, sort=BookSort.TITLE
        )
        assert titles(uow_factory, query) == ["Children of Dune", "Dune"]


@pytest.mark.usefixtures("shelf")
class TestSortsAndPages:
    @pytest.mark.parametrize(
        ("sort", "expected"),
        [
            (BookSort.PRICE, ["Emma", "brave new world", "Dune", "Children of Dune"]),
            (BookSort.PRICE_DESC, ["snake_case for all", "100% Cotton", "Les Misérables"]),
            (BookSort.TITLE_DESC, ["snake_case for all", "Les Misérables", "Emma"]),
            (BookSort.CREATED_AT, ["Dune", "Emma", "brave new world"]),
            (BookSort.CREATED_AT_DESC, ["Children of Dune", "snake_case for all"]),
        ],
    )
    def test_sorts(
        self, uow_factory: UnitOfWorkFactory, sort: BookSort, expected: list[str]
    ) -> None:
        assert titles(uow_factory, BookQuery(sort=sort))[: len(expected)] == expected

    def test_equal_prices_are_ordered_by_id(self, uow_factory: UnitOfWorkFactory) -> None:
        add_books(uow_factory, details("Twin", price="9.99"))
        by_price = titles(uow_factory, BookQuery(sort=BookSort.PRICE))
        assert by_price[2:5] == ["Dune", "Children of Dune", "Twin"]
        by_price_desc = titles(uow_factory, BookQuery(sort=BookSort.PRICE_DESC))
        assert by_price_desc[3:6] == ["Twin", "Children of Dune", "Dune"]

    def test_pages_and_total(self, uow_factory: UnitOfWorkFactory) -> None:
        with uow_factory(read_only=True) as uow:
            pages = [
                uow.books.search(BookQuery(page=PageRequest(n, page_size=3))) for n in (1, 2, 3, 4)
            ]
        assert [len(p.items) for p in pages] == [3, 3, 1, 0]
        assert {p.total for p in pages} == {7}
        assert [(p.page, p.page_size) for p in pages] == [(1, 3), (2, 3), (3, 3), (4, 3)]
        seen = [b.title for p in pages for b in p.items]
        assert seen == titles(uow_factory, BookQuery())

    def test_total_counts_every_match_not_just_the_page(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        with uow_factory(read_only=True) as uow:
            page = uow.books.search(BookQuery(text="dune", page=PageRequest(1, 1)))
            filtered = uow.books.search(BookQuery(genre="classic", page=PageRequest(1, 1)))
        assert (len(page.items), page.total) == (1, 2)
        assert (len(filtered.items), filtered.total) == (1, 2)


@pytest.mark.usefixtures("shelf")
class TestTextSearch:
    def test_every_word_must_match(self, uow_factory: UnitOfWorkFactory) -> None:
        assert titles(uow_factory, BookQuery(text="dune children")) == ["Children of Dune"]
        assert titles(uow_factory, BookQuery(text="dune austen")) == []

    def test_words_match_title_author_or_genre(self, uow_factory: UnitOfWorkFactory) -> None:
        assert titles(uow_factory, BookQuery(text="huxley")) == ["brave new world"]
        assert set(titles(uow_factory, BookQuery(text="crafts"))) == {"100% Cotton"}

    def test_a_word_matches_as_a_prefix(self, uow_factory: UnitOfWorkFactory) -> None:
        assert titles(uow_factory, BookQuery(text="Aust")) == ["Emma"]

    def test_case_and_accents_do_not_matter(self, uow_factory: UnitOfWorkFactory) -> None:
        assert titles(uow_factory, BookQuery(text="MISERABLES")) == ["Les Misérables"]
        assert titles(uow_factory, BookQuery(text="hügo")) == ["Les Misérables"]
        add_books(uow_factory, details("Cafe society", genre="Essays"))
        assert titles(uow_factory, BookQuery(text="café")) == ["Cafe society"]

    def test_punctuation_is_not_query_syntax(self, uow_factory: UnitOfWorkFactory) -> None:
        assert titles(uow_factory, BookQuery(text='"dune" OR* (emma) NEAR:')) == []
        by_title = BookQuery(text="dune' & !", sort=BookSort.TITLE)
        assert titles(uow_factory, by_title) == ["Children of Dune", "Dune"]
        assert titles(uow_factory, BookQuery(text="%_")) == titles(uow_factory, BookQuery())

    def test_a_title_match_ranks_above_an_author_or_genre_match(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        add_books(
            uow_factory,
            details("Quiet days", author="Mystery Writer", genre="Poetry"),
            details("Silent nights", author="Anne Other", genre="Mystery"),
            details("The mystery of the yellow room", author="Gaston Leroux", genre="Crime"),
        )
        assert titles(uow_factory, BookQuery(text="mystery")) == [
            "The mystery of the yellow room",
            "Quiet days",
            "Silent nights",
        ]

    def test_relevance_sort_can_be_replaced(self, uow_factory: UnitOfWorkFactory) -> None:
        query = BookQuery(text="science", sort=BookSort.PRICE_DESC)
        assert titles(uow_factory, query) == ["Children of Dune", "Dune", "brave new world"]
