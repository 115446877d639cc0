from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bookstore.application.config import StoreConfig
from bookstore.application.ports import UnitOfWork, UnitOfWorkFactory
from bookstore.domain.book import Book
from bookstore.domain.cart import Cart
from bookstore.domain.money import Money, total_of
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class CartLineView:
    book_id: int
    title: str
    unit_price: Money
    quantity: int
    in_stock: bool
    """True when the book's stock covers the line's quantity."""

    @property
    def line_total(self) -> Money:
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class CartView:
    lines: tuple[CartLineView, ...]
    currency: str

    @property
    def total_quantity(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def subtotal(self) -> Money:
        return total_of([line.line_total for line in self.lines])


def describe_cart(cart: Cart, books: Mapping[int, Book], currency: str) -> CartView:
    """Price a cart at today's catalogue prices; books no longer listed are left out."""
    lines = tuple(
        CartLineView(book_id, book.title, book.price, quantity, book.covers(quantity))
        for book_id, quantity in cart.lines.items()
        if (book := books.get(book_id)) is not None
    )
    return CartView(lines, currency)


def load_cart_view(uow: UnitOfWork, cart: Cart, config: StoreConfig) -> CartView:
    return describe_cart(cart, uow.books.get_many(cart.lines.keys()), config.currency)


class ViewCart:
    """The caller's cart, priced now; every user has one (empty until first used)."""

    def __init__(self, uow: UnitOfWorkFactory, config: StoreConfig) -> None:
        self._uow = uow
        self._config = config

    def __call__(self, actor: Actor) -> CartView:
        with self._uow(read_only=True) as uow:
            return load_cart_view(uow, uow.carts.get(actor.user_id), self._config)
