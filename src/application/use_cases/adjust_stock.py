from __future__ import annotations

from dataclasses import dataclass

from bookstore.application import announcements
from bookstore.application.authorization import require_admin
from bookstore.application.use_cases.base import ClockedUseCase
from bookstore.domain.inventory import StockMovement
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class AdjustStockCommand:
    actor: Actor
    book_id: int
    delta: int
    """Copies to add (positive) or take away (negative): non-zero, at most a million."""
    note: str
    """Why, 1 to 500 characters."""


class AdjustStock(ClockedUseCase):
    """Add or take copies by hand (a count, damage, a delivery), as an `adjustment` movement.

    - Only an admin may.
    - The change is applied to the stock as it is at the moment of the write, atomically:
      an order landing meanwhile is not overwritten.
    - Taking the stock below zero is refused (`InsufficientStock`); nothing changes.
    - A book not in the catalogue is not found.
    """

    def __call__(self, command: AdjustStockCommand) -> StockMovement:
        require_admin(command.actor)
        movement = StockMovement.adjustment(
            book_id=command.book_id,
            delta=command.delta,
            note=command.note,
            at=self._clock.now(),
            actor_id=command.actor.user_id,
        )
        with self._uow() as uow:
            (change,) = uow.inventory.move([movement])
            announcements.stock_changed(uow, [change])
            uow.commit()
        return change.movement
