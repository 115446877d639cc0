"""The steps that adding to a cart and setting a quantity share."""

from __future__ import annotations

from collections.abc import Callable

from bookstore.application.cart_quote import quote_cart
from bookstore.application.use_cases.view_cart import CartUseCase, CartView
from bookstore.domain.cart import Cart, CartLimits
from bookstore.domain.errors import BookNotFound, InsufficientStock
from bookstore.domain.money import Money
from bookstore.domain.user import Actor

LineChange = Callable[[Cart, CartLimits, Money], int]
"""Changes the cart's line; given the book's price now, which the line remembers."""


class CartChange(CartUseCase):
    """Changes one line of a cart, checking the book exists and its stock covers the line."""

    def _change_line(self, actor: Actor, book_id: int, change: LineChange) -> CartView:
        with self._uow() as uow:
            book = uow.books.get(book_id)
            if book is None:
                raise BookNotFound(book_id)
            cart = uow.carts.get(actor.user_id)
            new_quantity = change(cart, self._config.cart_limits, book.price)
            if (short := book.shortage(new_quantity)) is not None:
                raise InsufficientStock([short])
            uow.carts.save(cart)
            books = {book_id: book}  # read in this transaction: no need to read it again
            if others := [other for other in cart.lines if other != book_id]:
                books |= uow.books.get_many(others)
            view = quote_cart(uow, cart, books, self._config.currency, self._clock.now())
            uow.commit()
        return view
