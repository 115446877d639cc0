from __future__ import annotations

from bookstore.application.use_cases.base import StorageUseCase
from bookstore.domain.user import Actor


class ClearCart(StorageUseCase):
    """Empty the caller's cart: its lines and its coupons."""

    def __call__(self, actor: Actor) -> None:
        with self._uow() as uow:
            cart = uow.carts.get(actor.user_id)
            cart.clear()
            uow.carts.save(cart)
            uow.commit()
