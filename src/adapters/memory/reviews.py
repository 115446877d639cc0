"""Reviews and what customers bought together, in memory."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import replace
from uuid import UUID

from bookstore.adapters.memory.repositories import rating_order
from bookstore.adapters.memory.state import MemoryRepository
from bookstore.application.queries import ReviewQuery, ReviewSort, fold_case
from bookstore.domain.book import Book
from bookstore.domain.order import Order, OrderStatus
from bookstore.domain.pagination import Page
from bookstore.domain.review import PURCHASED, AlreadyReviewed, Review, author_name


class MemoryReviewRepository(MemoryRepository):
    def add(self, review: Review) -> None:
        if self.mine(review.user_id, review.book_id) is not None:
            raise AlreadyReviewed(review.book_id)
        self._state.reviews[review.id] = review

    def mine(self, user_id: UUID, book_id: int) -> Review | None:
        for review in self._state.reviews.values():
            if review.user_id == user_id and review.book_id == book_id:
                return self._named(review)
        return None

    def get(self, review_id: UUID) -> Review | None:
        review = self._state.reviews.get(review_id)
        return None if review is None else self._named(review)

    def replace(self, review: Review) -> None:
        if review.id in self._state.reviews:
            self._state.reviews[review.id] = review

    def remove(self, review_id: UUID) -> bool:
        return self._state.reviews.pop(review_id, None) is not None

    def of_book(self, query: ReviewQuery) -> Page[Review]:
        found = [r for r in self._state.reviews.values() if r.book_id == query.book_id]
        found.sort(key=lambda r: (r.created_at, r.id), reverse=True)  # newest first
        if query.sort is ReviewSort.HIGHEST:
            found.sort(key=lambda r: -r.rating)  # stable: newest first among equals
        elif query.sort is ReviewSort.LOWEST:
            found.sort(key=lambda r: r.rating)
        return Page.window(found, query.page).map(self._named)

    def has_purchased(self, user_id: UUID, book_id: int) -> bool:
        return any(
            order.user_id == user_id
            and order.status in PURCHASED
            and any(line.book_id == book_id for line in order.lines)
            for order in self._state.orders.values()
        )

    def _named(self, review: Review) -> Review:
        user = self._state.users.get(review.user_id)
        return replace(review, author_name=author_name(user.full_name if user else None))


class MemoryCoPurchases(MemoryRepository):
    def also_bought(self, book_id: int, limit: int) -> list[Book]:
        together: Counter[int] = Counter()
        for books in self._bought_sets():
            if book_id in books:
                together.update(books - {book_id})
        return self._strongest(together, limit, lambda book: True)

    def bought_with_mine(self, user_id: UUID, limit: int) -> list[Book]:
        mine = self._bought_by(user_id)
        together: Counter[int] = Counter()
        for books in self._bought_sets():
            for _ in books & mine:
                together.update(books - mine)
        return self._strongest(together, limit, lambda book: book.stock > 0)

    def top_rated_unbought(
        self, user_id: UUID, limit: int, excluding: Collection[int] = ()
    ) -> list[Book]:
        left_out = self._bought_by(user_id) | set(excluding)
        candidates = [
            book
            for book in self._state.books.values()
            if book.stock > 0 and book.id not in left_out
        ]
        return [replace(book) for book in sorted(candidates, key=rating_order)[:limit]]

    def _strongest(
        self, together: Counter[int], limit: int, wanted: Callable[[Book], bool]
    ) -> list[Book]:
        books = self._state.books
        found = [(n, books[i]) for i, n in together.items() if i in books and wanted(books[i])]
        found.sort(key=lambda nb: (-nb[0], fold_case(nb[1].title), nb[1].id))
        return [replace(book) for _, book in found[:limit]]

    def _bought_sets(self) -> Iterator[set[int]]:
        for order in self._orders_not_cancelled():
            yield {line.book_id for line in order.lines}

    def _bought_by(self, user_id: UUID) -> set[int]:
        return {
            line.book_id
            for order in self._orders_not_cancelled()
            if order.user_id == user_id
            for line in order.lines
        }

    def _orders_not_cancelled(self) -> Iterator[Order]:
        return (o for o in self._state.orders.values() if o.status is not OrderStatus.CANCELLED)
