from __future__ import annotations

from collections.abc import Callable

from bookstore.application.cart_quote import CartLineView, CartView, describe_cart, quote_cart
from bookstore.application.config import StoreConfig
from bookstore.application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bookstore.domain.cart import Cart
from bookstore.domain.user import Actor

__all__ = ["CartLineView", "CartView", "ViewCart", "describe_cart", "load_cart_view"]


def load_cart_view(uow: UnitOfWork, cart: Cart, config: StoreConfig, clock: Clock) -> CartView:
    books = uow.books.get_many(cart.lines.keys())
    return quote_cart(uow, cart, books, config.currency, clock.now())


class CartUseCase:
    """A use case on the caller's cart, answered with the cart as a quote."""

    def __init__(self, uow: UnitOfWorkFactory, config: StoreConfig, clock: Clock) -> None:
        self._uow = uow
        self._config = config
        self._clock = clock

    def _edit(self, actor: Actor, edit: Callable[[Cart], None]) -> CartView:
        """Change the caller's cart, save it and quote it, in one unit of work."""
        with self._uow() as uow:
            cart = uow.carts.get(actor.user_id)
            edit(cart)
            uow.carts.save(cart)
            view = load_cart_view(uow, cart, self._config, self._clock)
            uow.commit()
        return view


class ViewCart(CartUseCase):
    """The caller's cart as a quote: priced now, with its coupons' discounts and notices of
    what changed since it was filled; every user has one (empty until first used)."""

    def __call__(self, actor: Actor) -> CartView:
        with self._uow(read_only=True) as uow:
            return load_cart_view(uow, uow.carts.get(actor.user_id), self._config, self._clock)
