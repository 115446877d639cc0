from __future__ import annotations

from dataclasses import dataclass

from bookstore.application.use_cases.base import StorageUseCase
from bookstore.domain.book import Book
from bookstore.domain.errors import BookNotFound, InvalidInput
from bookstore.domain.user import Actor

MAX_SUGGESTIONS = 50


def check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_SUGGESTIONS:
        raise InvalidInput.single("limit", f"must be a whole number from 1 to {MAX_SUGGESTIONS}")
    return limit


@dataclass(frozen=True, slots=True)
class AlsoBoughtQuery:
    book_id: int
    limit: int = 10

    def __post_init__(self) -> None:
        check_limit(self.limit)


class AlsoBought(StorageUseCase):
    """ "Readers also bought": the catalogue books most often in the same orders as this one
    (orders not cancelled), most first, ties by title. A book not in the catalogue is not
    found."""

    def __call__(self, query: AlsoBoughtQuery) -> list[Book]:
        with self._uow(read_only=True) as uow:
            if uow.books.get(query.book_id) is None:
                raise BookNotFound(query.book_id)
            return uow.co_purchases.also_bought(query.book_id, query.limit)


@dataclass(frozen=True, slots=True)
class RecommendBooksCommand:
    actor: Actor
    limit: int = 10

    def __post_init__(self) -> None:
        check_limit(self.limit)


class RecommendBooks(StorageUseCase):
    """Books for the caller (§15), all in stock and none the caller bought:

    - first those bought together with what the caller bought, strongest first;
    - then, while fewer than `limit`, the top-rated books (highest average, then more
      ratings, then lower id).
    """

    def __call__(self, command: RecommendBooksCommand) -> list[Book]:
        user_id, limit = command.actor.user_id, command.limit
        with self._uow(read_only=True) as uow:
            books = uow.co_purchases.bought_with_mine(user_id, limit)
            if len(books) < limit:
                chosen = {book.id for book in books}
                rest = limit - len(books)
                books += uow.co_purchases.top_rated_unbought(user_id, rest, excluding=chosen)
        return books
