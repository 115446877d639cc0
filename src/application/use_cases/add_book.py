from __future__ import annotations

from dataclasses import dataclass

from bookstore.application.authorization import require_admin
from bookstore.application.config import StoreConfig
from bookstore.application.ports import Clock, UnitOfWorkFactory
from bookstore.domain.book import Book, BookDetails, check_low_stock_threshold
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class AddBookCommand:
    actor: Actor
    details: BookDetails
    low_stock_threshold: int | None = None
    """At or below this stock the book is low on stock; None: the store's default."""


class AddBook:
    """Add a book to the catalogue.

    - Only an admin may.
    - An ISBN is unique among the books in the catalogue.
    - Its stock is recorded as an `initial` movement (none for a stock of 0).
    - A low-stock threshold left unset is the store's default.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, config: StoreConfig | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._threshold = (config or StoreConfig()).low_stock_threshold

    def __call__(self, command: AddBookCommand) -> Book:
        require_admin(command.actor)
        threshold = command.low_stock_threshold
        threshold = self._threshold if threshold is None else check_low_stock_threshold(threshold)
        with self._uow() as uow:
            book = uow.books.add(
                command.details,
                self._clock.now(),
                actor_id=command.actor.user_id,
                low_stock_threshold=threshold,
            )
            uow.commit()
        return book
