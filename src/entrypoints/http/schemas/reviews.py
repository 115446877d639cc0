"""Reviews on the wire: the review body, the review view and its page (§15)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from bookstore.domain.pagination import Page
from bookstore.domain.review import RATING, REVIEW_BODY, REVIEW_TITLE, Review, ReviewText
from bookstore.entrypoints.http.schemas.common import PageOut, timestamp

Stars = Annotated[int, msgspec.Meta(ge=RATING.minimum, le=RATING.maximum)]
ReviewTitle = Annotated[str, msgspec.Meta(max_length=REVIEW_TITLE.max_len)]
ReviewBody = Annotated[str, msgspec.Meta(max_length=REVIEW_BODY.max_len)]


class ReviewWrite(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """A new review, or the whole of its replacement."""

    rating: Stars
    title: ReviewTitle | None = None
    body: ReviewBody | None = None


class ReviewOut(msgspec.Struct, kw_only=True, frozen=True):
    id: UUID
    book_id: int
    rating: int
    title: str | None
    body: str | None
    author_name: str
    """The reviewer's full name, or "A reader"."""
    verified_purchase: Literal[True]
    created_at: datetime
    updated_at: datetime


class ReviewPage(PageOut[ReviewOut], kw_only=True):
    items: list[ReviewOut]


def review_text(data: ReviewWrite) -> ReviewText:
    return ReviewText.parse(rating=data.rating, title=data.title, body=data.body)


def review_out(review: Review) -> ReviewOut:
    text = review.text
    return ReviewOut(
        id=review.id,
        book_id=review.book_id,
        rating=text.rating,
        title=text.title,
        body=text.body,
        author_name=review.author_name,
        verified_purchase=True,
        created_at=timestamp(review.created_at),
        updated_at=timestamp(review.updated_at),
    )


def review_page(page: Page[Review]) -> ReviewPage:
    return ReviewPage.of(page, review_out)
