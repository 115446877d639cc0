from __future__ import annotations

from dataclasses import dataclass, field

from bookstore.application.authorization import require_admin
from bookstore.application.use_cases.base import StorageUseCase
from bookstore.domain.book import Book
from bookstore.domain.pagination import Page, PageRequest
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class ListLowStockCommand:
    actor: Actor
    page: PageRequest = field(default_factory=PageRequest)


class ListLowStock(StorageUseCase):
    """The catalogue's books at or below their low-stock threshold, lowest stock first
    (ties by id): what to reorder.

    - Only an admin may.
    """

    def __call__(self, command: ListLowStockCommand) -> Page[Book]:
        require_admin(command.actor)
        with self._uow(read_only=True) as uow:
            return uow.inventory.low_stock(command.page)
