from __future__ import annotations

from dataclasses import dataclass

from bookstore.application.authorization import require_admin
from bookstore.application.ports import Clock, UnitOfWorkFactory
from bookstore.domain.book import Book, BookDetails
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class AddBookCommand:
    actor: Actor
    details: BookDetails


class AddBook:
    """Add a book to the catalogue.

    - Only an admin may.
    - An ISBN is unique among the books in the catalogue.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def __call__(self, command: AddBookCommand) -> Book:
        require_admin(command.actor)
        with self._uow() as uow:
            book = uow.books.add(command.details, self._clock.now())
            uow.commit()
        return book
