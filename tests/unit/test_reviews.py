"""Reviews (§15) over the in-memory store: who may review, one review each, edits, deletes,
and the rating each book keeps."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookstore.application.queries import ReviewQuery, ReviewSort
from bookstore.application.use_cases.cancel_order import CancelOrderCommand
from bookstore.application.use_cases.delete_review import (
    DeleteMyReviewCommand,
    RemoveReviewCommand,
)
from bookstore.application.use_cases.edit_review import EditMyReviewCommand
from bookstore.application.use_cases.review_book import ReviewBookCommand
from bookstore.domain.errors import BookNotFound, Forbidden, InvalidInput
from bookstore.domain.pagination import PageRequest
from bookstore.domain.review import (
    AlreadyReviewed,
    NotAPurchaser,
    Rating,
    ReviewNotFound,
    ReviewText,
)
from bookstore.domain.user import Actor

from .review_support import buyer, paid, review
from .support import Shop


def _edit(shop: Shop, actor: Actor, book_id: int, rating: int) -> None:
    shop.app.edit_my_review()(EditMyReviewCommand(actor, book_id, ReviewText(rating)))


def _delete(shop: Shop, actor: Actor, book_id: int) -> None:
    shop.app.delete_my_review()(DeleteMyReviewCommand(actor, book_id))


def test_a_customer_who_bought_a_book_reviews_it_and_the_book_is_rated() -> None:
    shop = Shop.open()
    book = shop.book()
    customer = buyer(shop, book)
    written = review(shop, customer, book, 4, title="  Gripping  ")
    assert (written.rating, written.text.title, written.author_name) == (4, "Gripping", "A reader")
    assert shop.app.get_book()(book.id).rating == Rating(1, 4)
    assert shop.app.get_book()(book.id).rating.average == Decimal("4.00")


def test_only_paid_shipped_or_delivered_orders_make_a_purchaser() -> None:
    shop = Shop.open()
    book, other = shop.book(), shop.book()
    customer = shop.customer()
    order = shop.order(customer, (book, 1))
    with pytest.raises(NotAPurchaser):  # placed, not paid yet
        review(shop, customer, book, 5)
    paid(shop, order)
    with pytest.raises(NotAPurchaser):  # never bought this one
        review(shop, customer, other, 5)
    review(shop, customer, book, 5)


def test_a_cancelled_order_makes_no_purchaser() -> None:
    shop = Shop.open()
    book = shop.book()
    customer = shop.customer()
    order = paid(shop, shop.order(customer, (book, 1)))
    shop.app.cancel_order()(CancelOrderCommand(customer, order.id))
    with pytest.raises(NotAPurchaser):
        review(shop, customer, book, 5)


def test_a_second_review_of_the_same_book_is_refused_and_changes_nothing() -> None:
    shop = Shop.open()
    book = shop.book()
    customer = buyer(shop, book)
    review(shop, customer, book, 2)
    with pytest.raises(AlreadyReviewed):
        review(shop, customer, book, 5)
    assert shop.app.get_book()(book.id).rating == Rating(1, 2)


def test_an_unknown_book_cannot_be_reviewed_nor_listed() -> None:
    shop = Shop.open()
    review_command = ReviewBookCommand(shop.customer(), 999, ReviewText(3))
    with pytest.raises(BookNotFound):
        shop.app.review_book()(review_command)
    with pytest.raises(BookNotFound):
        shop.app.list_reviews()(ReviewQuery(999))


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": 3, "title": "x" * 121}, "title"),
        ({"rating": 3, "body": "x" * 5001}, "body"),
    ],
)
def test_a_review_text_out_of_bounds_is_refused_naming_the_field(
    fields: dict[str, object], named: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        ReviewText.parse(**fields)  # type: ignore[arg-type]
    assert [e.field for e in refused.value.errors] == [named]


def test_an_edit_replaces_the_review_and_moves_the_rating_by_the_difference() -> None:
    shop = Shop.open()
    book = shop.book()
    first, second = buyer(shop, book), buyer(shop, book)
    review(shop, first, book, 5)
    review(shop, second, book, 2)
    _edit(shop, second, book.id, 4)
    assert shop.app.get_book()(book.id).rating == Rating(2, 9)
    assert shop.app.get_book()(book.id).rating.average == Decimal("4.50")


def test_deleting_ones_review_takes_its_rating_away() -> None:
    shop = Shop.open()
    book = shop.book()
    customer = buyer(shop, book)
    review(shop, customer, book, 3)
    _delete(shop, customer, book.id)
    rating = shop.app.get_book()(book.id).rating
    assert (rating.count, rating.average) == (0, None)
    with pytest.raises(ReviewNotFound):
        _delete(shop, customer, book.id)
    with pytest.raises(ReviewNotFound):
        _edit(shop, customer, book.id, 4)


def test_only_an_admin_removes_anothers_review() -> None:
    shop = Shop.open()
    book = shop.book()
    customer = buyer(shop, book)
    written = review(shop, customer, book, 1)
    with pytest.raises(Forbidden):
        shop.app.remove_review()(RemoveReviewCommand(shop.customer(), written.id))
    shop.app.remove_review()(RemoveReviewCommand(shop.root, written.id))
    assert shop.app.get_book()(book.id).rating == Rating()
    with pytest.raises(ReviewNotFound):
        shop.app.remove_review()(RemoveReviewCommand(shop.root, uuid4()))


def test_reviews_are_listed_newest_first_or_by_rating() -> None:
    shop = Shop.open()
    book = shop.book()
    ratings = [3, 5, 1]
    for rating in ratings:
        review(shop, buyer(shop, book), book, rating)
        shop.clock.advance(timedelta(seconds=1))
    listed = shop.app.list_reviews()
    assert [r.rating for r in listed(ReviewQuery(book.id)).items] == [1, 5, 3]
    assert [r.rating for r in listed(ReviewQuery(book.id, ReviewSort.HIGHEST)).items] == [5, 3, 1]
    assert [r.rating for r in listed(ReviewQuery(book.id, ReviewSort.LOWEST)).items] == [1, 3, 5]
    page = listed(ReviewQuery(book.id, page=PageRequest(2, 2)))
    assert ([r.rating for r in page.items], page.total) == ([3], 3)


@pytest.mark.parametrize(
    ("total", "count", "shown"),
    [(2, 3, "0.67"), (999, 200, "5.00"), (1, 8, "0.13"), (7, 2, "3.50"), (9, 2, "4.50")],
)
def test_the_average_is_rounded_half_up_to_the_cent(total: int, count: int, shown: str) -> None:
    assert Rating(count, total).average == Decimal(shown)


_steps = st.lists(
    st.tuples(st.sampled_from(["write", "delete"]), st.integers(0, 3), st.integers(1, 5)),
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=_steps)
def test_the_rating_is_the_mean_of_the_current_reviews_after_any_adds_edits_and_deletes(
    steps: list[tuple[str, int, int]],
) -> None:
    shop = Shop.open()
    book = shop.book(stock=100)
    readers = [buyer(shop, book) for _ in range(4)]
    current: dict[int, int] = {}
    for action, who, stars in steps:
        if action == "delete" and who in current:
            _delete(shop, readers[who], book.id)
            del current[who]
        elif action == "write" and who in current:
            _edit(shop, readers[who], book.id, stars)
            current[who] = stars
        elif action == "write":
            review(shop, readers[who], book, stars)
            current[who] = stars
    rating = shop.app.get_book()(book.id).rating
    assert rating.count == len(current)
    if current:
        mean = Decimal(sum(current.values())) / len(current)
        assert abs(rating.average - mean) <= Decimal("0.005")  # type: ignore[operator]
        assert rating.total == sum(current.values())
    else:
        assert rating.average is None
