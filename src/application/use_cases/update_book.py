from __future__ import annotations

from dataclasses import dataclass

from bookstore.application import announcements
from bookstore.application.authorization import require_admin
from bookstore.application.use_cases.base import ClockedUseCase
from bookstore.domain.book import Book, BookChanges
from bookstore.domain.errors import BookNotFound
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class UpdateBookCommand:
    actor: Actor
    book_id: int
    changes: BookChanges


class UpdateBook(ClockedUseCase):
    """Change some fields of a book; the others keep their value.

    - Only an admin may.
    - The book is locked while it changes, so a concurrent order cannot be lost.
    - Past orders keep the title and price they were placed at.
    - A new stock is recorded as an `adjustment` of the difference from the stock at the
      moment of the write (the book is locked, so no order lands in between).
    """

    def __call__(self, command: UpdateBookCommand) -> Book:
        require_admin(command.actor)
        with self._uow() as uow:
            book = uow.books.lock([command.book_id]).get(command.book_id)
            if book is None:
                raise BookNotFound(command.book_id)
            movement = book.apply(command.changes, self._clock.now(), command.actor.user_id)
            uow.books.update(book)
            if movement is not None:
                uow.inventory.record([movement])
                announcements.stock_moved(uow, [movement], {book.id: book})
            uow.commit()
        return book
