from __future__ import annotations

from dataclasses import dataclass

from bookstore.application.config import StoreConfig
from bookstore.application.ports import Clock, UnitOfWorkFactory
from bookstore.application.use_cases.view_cart import CartView, load_cart_view
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class RemoveFromCartCommand:
    actor: Actor
    book_id: int


class RemoveFromCart:
    """Remove a book's line from the caller's cart; a book not in the cart is not found."""

    def __init__(self, uow: UnitOfWorkFactory, config: StoreConfig, clock: Clock) -> None:
        self._uow = uow
        self._config = config
        self._clock = clock

    def __call__(self, command: RemoveFromCartCommand) -> CartView:
        with self._uow() as uow:
            cart = uow.carts.get(command.actor.user_id)
            cart.remove(command.book_id)
            uow.carts.save(cart)
            view = load_cart_view(uow, cart, self._config, self._clock)
            uow.commit()
        return view
