from __future__ import annotations

from bookstore.application.queries import BookQuery
from bookstore.application.use_cases.base import StorageUseCase
from bookstore.domain.book import Book
from bookstore.domain.pagination import Page


class SearchBooks(StorageUseCase):
    """Browse and search the catalogue: filters, sort and pagination (see `BookQuery`)."""

    def __call__(self, query: BookQuery) -> Page[Book]:
        with self._uow(read_only=True) as uow:
            return uow.books.search(query)
