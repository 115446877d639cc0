from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal
from uuid import UUID

from bookstore.application.authorization import require_admin
from bookstore.application.ports import UnitOfWork
from bookstore.application.use_cases.base import StorageUseCase
from bookstore.domain.errors import BookNotFound
from bookstore.domain.review import RatingChange, Review, ReviewNotFound
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class DeleteMyReviewCommand:
    actor: Actor
    book_id: int


class DeleteMyReview(StorageUseCase):
    """Delete the caller's review of a book; its rating leaves the book's rating with it.

    - A book or review that does not exist is not found.
    """

    retry_when_busy: ClassVar[Literal[True]] = True

    def __call__(self, command: DeleteMyReviewCommand) -> None:
        with self._uow() as uow:
            if uow.books.get(command.book_id) is None:
                raise BookNotFound(command.book_id)
            mine = uow.reviews.mine(command.actor.user_id, command.book_id)
            if mine is None:
                raise ReviewNotFound(f"You have no review of book {command.book_id}.")
            _delete(uow, mine)
            uow.commit()


@dataclass(frozen=True, slots=True)
class RemoveReviewCommand:
    actor: Actor
    review_id: UUID


class RemoveReview(StorageUseCase):
    """Remove any review (moderation).

    - Only an admin may.
    - The review's rating leaves its book's rating, also for a book no longer catalogued.
    """

    retry_when_busy: ClassVar[Literal[True]] = True

    def __call__(self, command: RemoveReviewCommand) -> None:
        require_admin(command.actor)
        with self._uow() as uow:
            review = uow.reviews.get(command.review_id)
            if review is None:
                raise ReviewNotFound(f"Review {command.review_id} does not exist.")
            _delete(uow, review)
            uow.commit()


def _delete(uow: UnitOfWork, review: Review) -> None:
    """The review was read locked, so no one else deletes it first."""
    if uow.reviews.remove(review.id):
        uow.books.change_rating(review.book_id, RatingChange.removed(review.rating))
