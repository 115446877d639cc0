from __future__ import annotations

from dataclasses import dataclass

from bookstore.application.use_cases.view_cart import CartUseCase, CartView
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class RemoveFromCartCommand:
    actor: Actor
    book_id: int


class RemoveFromCart(CartUseCase):
    """Remove a book's line from the caller's cart; a book not in the cart is not found."""

    def __call__(self, command: RemoveFromCartCommand) -> CartView:
        return self._edit(command.actor, lambda cart: cart.remove(command.book_id))
