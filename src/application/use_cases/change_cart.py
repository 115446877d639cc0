"""The steps that adding to a cart and setting a quantity share."""

from __future__ import annotations

from collections.abc import Callable

from bookstore.application.config import StoreConfig
from bookstore.application.ports import UnitOfWorkFactory
from bookstore.application.use_cases.view_cart import CartView, load_cart_view
from bookstore.domain.cart import Cart, CartLimits
from bookstore.domain.errors import BookNotFound, InsufficientStock
from bookstore.domain.user import Actor

LineChange = Callable[[Cart, CartLimits], int]


class CartChange:
    """Change one line of a cart, checking the book exists and its stock covers the line."""

    def __init__(self, uow: UnitOfWorkFactory, config: StoreConfig) -> None:
        self._uow = uow
        self._config = config

    def __call__(self, actor: Actor, book_id: int, change: LineChange) -> CartView:
        with self._uow() as uow:
            book = uow.books.get(book_id)
            if book is None:
                raise BookNotFound(book_id)
            cart = uow.carts.get(actor.user_id)
            new_quantity = change(cart, self._config.cart_limits)
            if (short := book.shortage(new_quantity)) is not None:
                raise InsufficientStock([short])
            uow.carts.save(cart)
            view = load_cart_view(uow, cart, self._config)
            uow.commit()
        return view
