"""The review repository and the kept rating (§15), on every storage."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from review_support import a_review, customers, ordered
from sql_support import T0, add_books, details

from bookstore.application.ports import UnitOfWorkFactory
from bookstore.application.queries import BookQuery, BookSort, ReviewQuery, ReviewSort
from bookstore.domain.money import Money
from bookstore.domain.order import OrderStatus
from bookstore.domain.pagination import PageRequest
from bookstore.domain.review import AlreadyReviewed, Rating, RatingChange, ReviewText


def test_a_review_is_kept_whole_and_named_after_its_author(uow_factory: UnitOfWorkFactory) -> None:
    (book,) = add_books(uow_factory, details("Dune"))
    (user_id,) = customers(uow_factory, 1)
    written = a_review(user_id, book.id, 4)
    with uow_factory() as uow:
        uow.reviews.add(written)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        mine = uow.reviews.mine(user_id, book.id)
        by_id = uow.reviews.get(written.id)
    assert mine == by_id == replace(written, author_name="Ada Lovelace")
    assert mine is not None
    assert mine.created_at == T0


def test_a_second_review_by_the_same_customer_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    (book,) = add_books(uow_factory, details("Dune"))
    (user_id,) = customers(uow_factory, 1)
    with uow_factory() as uow:
        uow.reviews.add(a_review(user_id, book.id, 4))
        uow.commit()
    with uow_factory() as uow, pytest.raises(AlreadyReviewed):
        uow.reviews.add(a_review(user_id, book.id, 2))
    with uow_factory(read_only=True) as uow:
        assert uow.reviews.of_book(ReviewQuery(book.id)).total == 1


def test_a_review_is_replaced_and_removed(uow_factory: UnitOfWorkFactory) -> None:
    (book,) = add_books(uow_factory, details("Dune"))
    (user_id,) = customers(uow_factory, 1)
    written = a_review(user_id, book.id, 4)
    with uow_factory() as uow:
        uow.reviews.add(written)
        uow.commit()
    edited = replace(written.rewritten(ReviewText(2, None, None), T0), author_name="Ada Lovelace")
    with uow_factory() as uow:
        uow.reviews.replace(edited)
        uow.commit()
    with uow_factory() as uow:
        assert uow.reviews.get(written.id) == edited
        assert uow.reviews.remove(written.id)
        assert not uow.reviews.remove(written.id)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.reviews.mine(user_id, book.id) is None


def test_reviews_are_paged_newest_first_or_by_rating(uow_factory: UnitOfWorkFactory) -> None:
    book, other = add_books(uow_factory, details("Dune"), details("Emma"))
    users = customers(uow_factory, 4)
    with uow_factory() as uow:
        for second, (user_id, rating) in enumerate(zip(users, [3, 5, 1, 5], strict=True)):
            uow.reviews.add(a_review(user_id, book.id, rating, at_second=second))
        uow.reviews.add(a_review(users[0], other.id, 2))
        uow.commit()

    def ratings(sort: ReviewSort, page: int = 1, size: int = 20) -> tuple[list[int], int]:
        query = ReviewQuery(book.id, sort, PageRequest(page, size))
        with uow_factory(read_only=True) as uow:
            found = uow.reviews.of_book(query)
        return [r.rating for r in found.items], found.total

    assert ratings(ReviewSort.NEWEST) == ([5, 1, 5, 3], 4)
    assert ratings(ReviewSort.HIGHEST) == ([5, 5, 3, 1], 4)
    assert ratings(ReviewSort.LOWEST) == ([1, 3, 5, 5], 4)
    assert ratings(ReviewSort.NEWEST, page=2, size=3) == ([3], 4)
    assert ratings(ReviewSort.NEWEST, page=1, size=3) == ([5, 1, 5], 4)


@pytest.mark.parametrize(
    ("status", "purchased"),
    [
        (OrderStatus.PLACED, False),
        (OrderStatus.PAID, True),
        (OrderStatus.SHIPPED, True),
        (OrderStatus.DELIVERED, True),
        (OrderStatus.CANCELLED, False),
    ],
)
def test_a_purchaser_has_a_paid_shipped_or_delivered_order_of_the_book(
    uow_factory: UnitOfWorkFactory, status: OrderStatus, purchased: bool
) -> None:
    book, other = add_books(uow_factory, details("Dune"), details("Emma"))
    buyer, stranger = customers(uow_factory, 2)
    ordered(uow_factory, buyer, [book], status)
    with uow_factory(read_only=True) as uow:
        assert uow.reviews.has_purchased(buyer, book.id) is purchased
        assert not uow.reviews.has_purchased(buyer, other.id)
        assert not uow.reviews.has_purchased(stranger, book.id)


def test_rating_changes_add_up_on_the_book_removed_or_not(uow_factory: UnitOfWorkFactory) -> None:
    book, gone = add_books(uow_factory, details("Dune"), details("Gone"))
    with uow_factory() as uow:
        uow.books.remove(gone.id, T0)
        for change in (RatingChange.added(5), RatingChange.added(2), RatingChange.edited(2, 4)):
            uow.books.change_rating(book.id, change)
            uow.books.change_rating(gone.id, change)
        uow.books.change_rating(gone.id, RatingChange.removed(5))
        uow.commit()
    with uow_factory(read_only=True) as uow:
        rated = uow.books.get(book.id)
    assert rated is not None
    assert rated.rating == Rating(2, 9)
    assert rated.rating.average == Decimal("4.50")


def _titles(factory: UnitOfWorkFactory, **query: object) -> list[str]:
    with factory(read_only=True) as uow:
        return [b.title for b in uow.books.search(BookQuery(**query)).items]  # type: ignore[arg-type]


def test_books_sort_by_rating_and_filter_by_a_least_rating(uow_factory: UnitOfWorkFactory) -> None:
    names = ["Unrated", "Four", "FourMore", "Five", "Two", "FourAgain"]
    books = add_books(uow_factory, *(details(name) for name in names))
    ratings = {"Four": [4], "FourMore": [5, 3], "Five": [5], "Two": [2], "FourAgain": [4]}
    with uow_factory() as uow:
        for book in books:
            for stars in ratings.get(book.title, []):
                uow.books.change_rating(book.id, RatingChange.added(stars))
        uow.commit()
    by_rating = ["Five", "FourMore", "Four", "FourAgain", "Two", "Unrated"]
    assert _titles(uow_factory, sort=BookSort.RATING_DESC) == by_rating
    assert _titles(uow_factory, sort=BookSort.RATING_DESC, min_rating=4) == by_rating[:4]
    assert _titles(uow_factory, sort=BookSort.RATING_DESC, min_rating=5) == ["Five"]
    assert _titles(uow_factory, min_rating=1) == sorted(by_rating[:5])
    found = _titles(uow_factory, text="four", sort=BookSort.RATING_DESC, min_rating=4)
    assert found == ["FourMore", "Four", "FourAgain"]


def test_genres_are_counted_over_every_match(uow_factory: UnitOfWorkFactory) -> None:
    add_books(
        uow_factory,
        details("Dune", genre="Science fiction", price="5.00"),
        details("Dune Messiah", genre="science FICTION", price="6.00"),
        details("Emma", genre="Classic", price="7.00"),
        details("Persuasion", genre="Classic", price="20.00"),
        details("Dune Atlas", genre="Reference", price="30.00"),
    )

    def genres(**query: object) -> list[tuple[str, int]]:
        with uow_factory(read_only=True) as uow:
            counted = uow.books.genre_counts(BookQuery(page=PageRequest(1, 1), **query))  # type: ignore[arg-type]
        return [(facet.value, facet.count) for facet in counted]

    assert genres() == [("Classic", 2), ("Science fiction", 2), ("Reference", 1)]
    assert genres(text="dune") == [("Science fiction", 2), ("Reference", 1)]
    assert genres(text="dune", genre="reference") == [("Reference", 1)]
    assert genres(text="nothing") == []
    assert genres(max_price=Money(1000)) == [("Science fiction", 2), ("Classic", 1)]
