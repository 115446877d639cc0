"""The stock ledger in memory, over a transaction's private copy of the state."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from bookstore.adapters.memory.state import MemoryRepository
from bookstore.domain.book import Book
from bookstore.domain.errors import BookNotFound
from bookstore.domain.inventory import LedgerMismatch, Reconciliation, StockChange, StockMovement
from bookstore.domain.pagination import Page, PageRequest


class MemoryInventory(MemoryRepository):
    def move(
        self, movements: Sequence[StockMovement], *, in_catalogue: bool = True
    ) -> list[StockChange]:
        changes = []
        for movement in sorted(movements, key=lambda m: m.book_id):
            book_id = movement.book_id
            table = self._state.books
            if book_id not in table and not in_catalogue:
                table = self._state.removed_books
            found = table.get(book_id)
            if found is None:
                raise BookNotFound(book_id)
            book = replace(found)
            book.move(movement)  # refuses below zero or above the largest stock
            table[book_id] = book
            (recorded,) = self._state.record([movement])
            changes.append(StockChange(recorded, found.stock, book.stock, book.low_stock_threshold))
        return changes

    def record(self, movements: Sequence[StockMovement]) -> None:
        self._state.record(movements)

    def movements(self, book_id: int, page: PageRequest) -> Page[StockMovement] | None:
        if book_id not in self._state.books and book_id not in self._state.removed_books:
            return None
        mine = [m for m in self._state.movements if m.book_id == book_id]
        mine.sort(key=lambda m: (m.at, m.id or 0), reverse=True)
        return Page.window(mine, page)

    def reconcile(self) -> Reconciliation:
        sums = Counter[int]()
        for movement in self._state.movements:
            sums[movement.book_id] += movement.delta
        books = {**self._state.removed_books, **self._state.books}
        mismatches = tuple(
            LedgerMismatch(book_id, book.stock, sums[book_id])
            for book_id, book in sorted(books.items())
            if book.stock != sums[book_id]
        )
        return Reconciliation(len(books), mismatches)

    def low_stock(self, page: PageRequest) -> Page[Book]:
        low = [b for b in self._state.books.values() if b.is_low_on_stock]
        low.sort(key=lambda b: (b.stock, b.id))
        return Page.window(low, page).map(replace)
