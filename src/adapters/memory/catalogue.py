"""The catalogue in bulk (imports, exports) and housekeeping, in memory."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

from bookstore.adapters.memory.state import MemoryRepository, delete_where
from bookstore.domain.book import Book, BookDetails
from bookstore.domain.errors import DuplicateIsbn


class MemoryCatalogue(MemoryRepository):
    def by_isbn(self, isbns: Collection[str]) -> dict[str, Book]:
        wanted = set(isbns)
        return {
            book.details.isbn.value: replace(book)
            for book in self._state.books.values()
            if book.details.isbn is not None and book.details.isbn.value in wanted
        }

    def add_listed(self, details: BookDetails, now: datetime, *, low_stock_threshold: int) -> Book:
        if details.isbn is not None and self.by_isbn([details.isbn.value]):
            raise DuplicateIsbn(details.isbn.value)
        self._state.last_book_id += 1
        book = Book(self._state.last_book_id, details, now, now, low_stock_threshold)
        self._state.books[book.id] = replace(book)
        return book

    def page_after(self, book_id: int, limit: int) -> list[Book]:
        ids = sorted(i for i in self._state.books if i > book_id)[:limit]
        return [replace(self._state.books[i]) for i in ids]


class MemoryHousekeeping(MemoryRepository):
    def prune_revoked_access_tokens(self, now: datetime) -> int:
        return len(delete_where(self._state.revoked_access_tokens, lambda until: until < now))

    def prune_refresh_tokens(self, now: datetime) -> int:
        table = self._state.refresh_tokens
        return len(delete_where(table, lambda r: r.expires_at < now or r.revoked_at is not None))

    def prune_idempotency_keys(self, created_before: datetime) -> int:
        table = self._state.idempotency_keys
        return len(delete_where(table, lambda record: record.created_at < created_before))
