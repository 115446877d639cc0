from __future__ import annotations

from dataclasses import dataclass

from bookstore.application import announcements
from bookstore.application.authorization import require_admin
from bookstore.application.use_cases.base import ClockedUseCase
from bookstore.domain.book import STOCK, Book
from bookstore.domain.errors import BookNotFound, InvalidInput
from bookstore.domain.inventory import MovementReason, StockMovement
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class RestockBookCommand:
    actor: Actor
    book_id: int
    quantity: int


class RestockBook(ClockedUseCase):
    """Add copies to a book's stock, atomically, whatever orders run at the same time.

    - Only an admin may.
    - The quantity is 1 to 1,000,000.
    - The copies are recorded as an `adjustment` movement.
    """

    def __call__(self, command: RestockBookCommand) -> Book:
        require_admin(command.actor)
        if isinstance(command.quantity, bool) or not 1 <= command.quantity <= STOCK.maximum:
            raise InvalidInput.single("quantity", f"must be between 1 and {STOCK.maximum}")
        now = self._clock.now()
        with self._uow() as uow:
            book = uow.books.add_stock(command.book_id, command.quantity, now)
            if book is None:
                raise BookNotFound(command.book_id)
            restocked = StockMovement(
                book.id,
                command.quantity,
                MovementReason.ADJUSTMENT,
                now,
                actor_id=command.actor.user_id,
                note="restock",
            )
            uow.inventory.record([restocked])
            announcements.stock_moved(uow, [restocked], {book.id: book})
            uow.commit()
        return book
