"""Read-side requests: what a catalogue search or an order listing asks for."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from uuid import UUID

from bookstore.domain.errors import FieldError, InvalidInput
from bookstore.domain.money import Money
from bookstore.domain.order import OrderStatus
from bookstore.domain.pagination import PageRequest

MAX_SEARCH_TEXT = 200
MAX_FILTER_TEXT = 300


def fold_case(text: str) -> str:
    """Text as the catalogue compares and sorts it case-insensitively, in every script
    (`ÉMILE` and `Émile`, `ÇA` and `ça` alike): Unicode case folding."""
    return text.casefold()


class BookSort(StrEnum):
    TITLE = "title"
    TITLE_DESC = "-title"
    PRICE = "price"
    PRICE_DESC = "-price"
    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
    RELEVANCE = "relevance"
    RATING_DESC = "-rating"
    """Highest average first; ties: more ratings first, then lower id; unrated books last."""


@dataclass(frozen=True, slots=True)
class BookQuery:
    """Filters of the catalogue, all optional and combinable.

    - `text`: every word must match title, author or genre (case- and accent-insensitive),
      ranked by relevance.
    - `title`, `author`: literal, case-insensitive substrings (`%` and `_` are plain).
    - `genre`: the whole genre, case-insensitively.
    - `min_price`/`max_price`: inclusive; `in_stock`: only books with stock.
    - `sort`: default relevance with `text`, else title; relevance without text sorts by title.
    """

    text: str | None = None
    title: str | None = None
    author: str | None = None
    genre: str | None = None
    min_price: Money | None = None
    max_price: Money | None = None
    in_stock: bool = False
    sort: BookSort | None = None
    page: PageRequest = field(default_factory=PageRequest)
    min_rating: int | None = None
    """Only books whose average rating is at least this (1 to 5); unrated books never are."""

    def __post_init__(self) -> None:
        errors = [
            FieldError(name, f"must be at most {limit} characters")
            for name, value, limit in (
                ("q", self.text, MAX_SEARCH_TEXT),
                ("title", self.title, MAX_FILTER_TEXT),
                ("author", self.author, MAX_FILTER_TEXT),
                ("genre", self.genre, MAX_FILTER_TEXT),
            )
            if value is not None and len(value) > limit
        ]
        if self.min_price and self.max_price and self.min_price > self.max_price:
            errors.append(FieldError("min_price", "must not be above max_price"))
        if self.min_rating is not None and not _is_star(self.min_rating):
            errors.append(FieldError("min_rating", "must be a whole number from 1 to 5"))
        if errors:
            raise InvalidInput(errors)

    @property
    def search_words(self) -> list[str]:
        """The words of `text`; letters and digits only, so no query syntax leaks through."""
        if not self.text:
            return []
        cleaned = "".join(c if c.isalnum() else " " for c in self.text)
        return cleaned.split()

    @property
    def effective_sort(self) -> BookSort:
        if self.sort is None or self.sort is BookSort.RELEVANCE:
            return BookSort.RELEVANCE if self.search_words else BookSort.TITLE
        return self.sort


@dataclass(frozen=True, slots=True)
class OrderQuery:
    """Orders newest first; `user_id` and `status` narrow the list."""

    page: PageRequest = field(default_factory=PageRequest)
    user_id: UUID | None = None
    status: OrderStatus | None = None


def _is_star(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5


class ReviewSort(StrEnum):
    NEWEST = "-created_at"
    HIGHEST = "-rating"
    LOWEST = "rating"


@dataclass(frozen=True, slots=True)
class ReviewQuery:
    """A book's reviews, a page at a time: newest first by default; by rating, ties newest
    first."""

    book_id: int
    sort: ReviewSort = ReviewSort.NEWEST
    page: PageRequest = field(default_factory=PageRequest)


@dataclass(frozen=True, slots=True)
class UserQuery:
    page: PageRequest = field(default_factory=PageRequest)
    email_contains: str | None = None
