from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from bookstore.application.ports import Clock, IdGenerator, UnitOfWorkFactory
from bookstore.domain.errors import BookNotFound
from bookstore.domain.review import NotAPurchaser, RatingChange, Review, ReviewText, author_name
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class ReviewBookCommand:
    actor: Actor
    book_id: int
    text: ReviewText


class ReviewBook:
    """Review a book of the catalogue (§15).

    - Only a customer with a paid, shipped or delivered order holding the book may
      (`NotAPurchaser`): every review is a verified purchase.
    - One review per customer and book (`AlreadyReviewed`), settled by storage's unique key,
      so two at once cannot both land.
    - The book's rating count and sum move in the same transaction.
    """

    retry_when_busy: ClassVar[Literal[True]] = True

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids

    def __call__(self, command: ReviewBookCommand) -> Review:
        user_id, book_id = command.actor.user_id, command.book_id
        with self._uow() as uow:
            if uow.books.get(book_id) is None:
                raise BookNotFound(book_id)
            if not uow.reviews.has_purchased(user_id, book_id):
                raise NotAPurchaser(book_id)
            user = uow.users.get(user_id)
            now = self._clock.now()
            name = author_name(user.full_name if user is not None else None)
            review = Review(self._ids.new_id(), book_id, user_id, command.text, now, now, name)
            uow.reviews.add(review)
            uow.books.change_rating(book_id, RatingChange.added(review.rating))
            uow.commit()
        return review
