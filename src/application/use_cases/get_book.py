from __future__ import annotations

from bookstore.application.use_cases.base import StorageUseCase
from bookstore.domain.book import Book
from bookstore.domain.errors import BookNotFound


class GetBook(StorageUseCase):
    """One book of the catalogue; a removed book is not found."""

    def __call__(self, book_id: int) -> Book:
        with self._uow(read_only=True) as uow:
            book = uow.books.get(book_id)
        if book is None:
            raise BookNotFound(book_id)
        return book
