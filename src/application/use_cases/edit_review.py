from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from bookstore.application.use_cases.base import ClockedUseCase
from bookstore.domain.errors import BookNotFound
from bookstore.domain.review import RatingChange, Review, ReviewNotFound, ReviewText
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class EditMyReviewCommand:
    actor: Actor
    book_id: int
    text: ReviewText


class EditMyReview(ClockedUseCase):
    """Replace the caller's review of a book with a new text and rating.

    - A book or review that does not exist is not found.
    - The review is locked while it changes, so two edits at once move the book's rating
      sum by exactly the difference each made.
    """

    retry_when_busy: ClassVar[Literal[True]] = True

    def __call__(self, command: EditMyReviewCommand) -> Review:
        with self._uow() as uow:
            if uow.books.get(command.book_id) is None:
                raise BookNotFound(command.book_id)
            mine = uow.reviews.mine(command.actor.user_id, command.book_id)
            if mine is None:
                raise ReviewNotFound(f"You have no review of book {command.book_id}.")
            review = mine.rewritten(command.text, self._clock.now())
            uow.reviews.replace(review)
            if review.rating != mine.rating:
                change = RatingChange.edited(mine.rating, review.rating)
                uow.books.change_rating(review.book_id, change)
            uow.commit()
        return review
