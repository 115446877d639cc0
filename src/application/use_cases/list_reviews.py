from __future__ import annotations

from bookstore.application.queries import ReviewQuery
from bookstore.application.use_cases.base import StorageUseCase
from bookstore.domain.errors import BookNotFound
from bookstore.domain.pagination import Page
from bookstore.domain.review import Review


class ListReviews(StorageUseCase):
    """A catalogue book's reviews, a page at a time (see `ReviewQuery`); anyone may read
    them. A book not in the catalogue is not found."""

    def __call__(self, query: ReviewQuery) -> Page[Review]:
        with self._uow(read_only=True) as uow:
            if uow.books.get(query.book_id) is None:
                raise BookNotFound(query.book_id)
            return uow.reviews.of_book(query)
