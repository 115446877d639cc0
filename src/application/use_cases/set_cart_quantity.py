from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from bookstore.application.use_cases.change_cart import CartChange
from bookstore.application.use_cases.view_cart import CartView
from bookstore.domain.cart import check_requested_quantity
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class SetCartQuantityCommand:
    actor: Actor
    book_id: int
    quantity: int


class SetCartQuantity(CartChange):
    """Set how many copies of a book the caller's cart holds; 0 removes the line.

    - The quantity is 0 to 100; the book must be in the catalogue.
    - The line may not exceed the book's stock, nor the cart limits; if it would, the cart
      is left unchanged.
    """

    retry_when_busy: ClassVar[Literal[True]] = True
    """Its write unit of work is its first storage action (see `RetryableWrite`)."""

    def __call__(self, command: SetCartQuantityCommand) -> CartView:
        check_requested_quantity(command.quantity, allow_zero=True)
        return self._change_line(
            command.actor,
            command.book_id,
            lambda cart, limits, price: cart.set_quantity(
                command.book_id, command.quantity, limits, price
            ),
        )
