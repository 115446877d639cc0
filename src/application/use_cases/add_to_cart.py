from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from bookstore.application.use_cases.change_cart import CartChange
from bookstore.application.use_cases.view_cart import CartView
from bookstore.domain.cart import check_requested_quantity
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class AddToCartCommand:
    actor: Actor
    book_id: int
    quantity: int = 1


class AddToCart(CartChange):
    """Add copies of a book to the caller's cart, on top of any already there.

    - The quantity asked is 1 to 100; the book must be in the catalogue.
    - The line may not exceed the book's stock, nor the cart limits; if it would, the cart
      is left unchanged.
    """

    retry_when_busy: ClassVar[Literal[True]] = True
    """Its write unit of work is its first storage action (see `RetryableWrite`)."""

    def __call__(self, command: AddToCartCommand) -> CartView:
        check_requested_quantity(command.quantity)
        return self._change_line(
            command.actor,
            command.book_id,
            lambda cart, limits, price: cart.add(command.book_id, command.quantity, limits, price),
        )
