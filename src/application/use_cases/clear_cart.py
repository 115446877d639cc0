from __future__ import annotations

from bookstore.application.ports import UnitOfWorkFactory
from bookstore.domain.user import Actor


class ClearCart:
    """Empty the caller's cart: its lines and its coupons."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    def __call__(self, actor: Actor) -> None:
        with self._uow() as uow:
            cart = uow.carts.get(actor.user_id)
            cart.clear()
            uow.carts.save(cart)
            uow.commit()
