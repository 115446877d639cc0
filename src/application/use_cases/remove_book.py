from __future__ import annotations

from dataclasses import dataclass

from bookstore.application.authorization import require_admin
from bookstore.application.use_cases.base import ClockedUseCase
from bookstore.domain.errors import BookNotFound
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class RemoveBookCommand:
    actor: Actor
    book_id: int


class RemoveBook(ClockedUseCase):
    """Take a book out of the catalogue.

    - Only an admin may.
    - It disappears from every cart; past orders keep their lines.
    """

    def __call__(self, command: RemoveBookCommand) -> None:
        require_admin(command.actor)
        with self._uow() as uow:
            if not uow.books.remove(command.book_id, self._clock.now()):
                raise BookNotFound(command.book_id)
            uow.carts.remove_book_everywhere(command.book_id)
            uow.commit()
