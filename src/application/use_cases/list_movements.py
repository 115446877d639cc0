from __future__ import annotations

from dataclasses import dataclass, field

from bookstore.application.authorization import require_admin
from bookstore.application.use_cases.base import StorageUseCase
from bookstore.domain.errors import BookNotFound
from bookstore.domain.inventory import StockMovement
from bookstore.domain.pagination import Page, PageRequest
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class ListMovementsCommand:
    actor: Actor
    book_id: int
    page: PageRequest = field(default_factory=PageRequest)


class ListMovements(StorageUseCase):
    """A book's stock movements, newest first: why every copy came and went.

    - Only an admin may.
    - A book removed from the catalogue keeps its movements; an id that never named a book
      is not found.
    """

    def __call__(self, command: ListMovementsCommand) -> Page[StockMovement]:
        require_admin(command.actor)
        with self._uow(read_only=True) as uow:
            page = uow.inventory.movements(command.book_id, command.page)
        if page is None:
            raise BookNotFound(command.book_id)
        return page
