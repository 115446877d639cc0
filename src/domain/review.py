"""Reviews: what customers who bought a book say of it, and the rating they give it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from bookstore.domain.errors import Conflict, Forbidden, NotFound
from bookstore.domain.order_status import OrderStatus
from bookstore.domain.values import FieldErrors, IntRule, TextRule

RATING = IntRule("rating", 1, 5)
REVIEW_TITLE = TextRule("title", 0, 120)
REVIEW_BODY = TextRule("body", 0, 5000, multiline=True)
ANONYMOUS_AUTHOR = "A reader"
"""The author name of a review whose reviewer gave no full name."""

PURCHASED = frozenset({OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED})
"""The order statuses that make a customer a purchaser of the order's books (a placed order
is not paid yet; a cancelled one was given back)."""

_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class ReviewText:
    """What a reviewer writes: a rating of 1 to 5 stars, and an optional title and body
    (blank ones are left out)."""

    rating: int
    title: str | None = None
    body: str | None = None

    @classmethod
    def parse(cls, *, rating: int, title: str | None = None, body: str | None = None) -> ReviewText:
        errors = FieldErrors()
        clean_rating = errors.integer(RATING, rating)
        clean_title = errors.optional_text(REVIEW_TITLE, title)
        clean_body = errors.optional_text(REVIEW_BODY, body)
        errors.raise_if_any()
        return cls(clean_rating, clean_title, clean_body)


@dataclass(frozen=True, slots=True)
class Review:
    id: UUID
    book_id: int
    user_id: UUID
    text: ReviewText
    created_at: datetime
    updated_at: datetime
    author_name: str = ANONYMOUS_AUTHOR
    """The reviewer's full name as it is now, or `ANONYMOUS_AUTHOR`."""

    @property
    def rating(self) -> int:
        return self.text.rating

    def rewritten(self, text: ReviewText, now: datetime) -> Review:
        return replace(self, text=text, updated_at=now)


def author_name(full_name: str | None) -> str:
    return (full_name or "").strip() or ANONYMOUS_AUTHOR


@dataclass(frozen=True, slots=True)
class RatingChange:
    """How a book's rating moves when one review comes, changes or goes: storage adds it to
    the kept count and sum in one relative update, so concurrent reviews add up exactly."""

    count: int
    total: int

    @classmethod
    def added(cls, rating: int) -> RatingChange:
        return cls(1, rating)

    @classmethod
    def removed(cls, rating: int) -> RatingChange:
        return cls(-1, -rating)

    @classmethod
    def edited(cls, was: int, now: int) -> RatingChange:
        return cls(0, now - was)


@dataclass(frozen=True, slots=True)
class Rating:
    """A book's rating: how many reviews it has, and the sum of their stars."""

    count: int = 0
    total: int = 0

    @property
    def average(self) -> Decimal | None:
        """The mean of the stars, to the cent, rounded half up; None with no review."""
        if self.count == 0:
            return None
        return (Decimal(self.total) / Decimal(self.count)).quantize(_CENT, ROUND_HALF_UP)

    @property
    def sort_key(self) -> float:
        """The mean as storage sorts it (0 for no review, below every real mean)."""
        return self.total / self.count if self.count else 0.0

    def changed(self, change: RatingChange) -> Rating:
        return Rating(self.count + change.count, self.total + change.total)


NO_RATING = Rating()


class NotAPurchaser(Forbidden):
    code = "not-a-purchaser"

    def __init__(self, book_id: int) -> None:
        self.book_id = book_id
        super().__init__(
            f"Only customers with a paid, shipped or delivered order of book {book_id} "
            "may review it."
        )


class AlreadyReviewed(Conflict):
    code = "already-reviewed"

    def __init__(self, book_id: int) -> None:
        self.book_id = book_id
        super().__init__(f"You have already reviewed book {book_id}; edit your review instead.")


class ReviewNotFound(NotFound):
    """No such review (the detail says which)."""
