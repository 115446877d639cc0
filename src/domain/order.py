"""Orders: placed from a cart, all lines or none, keeping the title and price of the moment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from bookstore.domain.book import Book
from bookstore.domain.cart import Cart
from bookstore.domain.errors import EmptyCart, InsufficientStock, Shortage
from bookstore.domain.money import Money, total_of


class OrderStatus(StrEnum):
    PLACED = "placed"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class OrderLine:
    book_id: int
    title: str
    unit_price: Money
    quantity: int

    @property
    def line_total(self) -> Money:
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class Order:
    id: UUID
    user_id: UUID
    status: OrderStatus
    lines: tuple[OrderLine, ...]
    created_at: datetime

    @property
    def total(self) -> Money:
        return total_of([line.line_total for line in self.lines])

    @classmethod
    def place(
        cls, *, order_id: UUID, cart: Cart, books: Mapping[int, Book], now: datetime
    ) -> Order:
        """Take every line's copies from the books, or none if any book falls short.

        `books` must be the cart's books as they are now, read under the lock that protects
        their stock; a book missing from it left the catalogue and counts as sold out.
        """
        if cart.is_empty:
            raise EmptyCart()
        shortages = [_shortage(book_id, qty, books) for book_id, qty in cart.lines.items()]
        short = [s for s in shortages if s is not None]
        if short:
            raise InsufficientStock(short)
        lines = []
        for book_id, quantity in cart.lines.items():
            book = books[book_id]
            book.take_stock(quantity)
            lines.append(OrderLine(book_id, book.title, book.price, quantity))
        return cls(order_id, cart.user_id, OrderStatus.PLACED, tuple(lines), now)


def _shortage(book_id: int, quantity: int, books: Mapping[int, Book]) -> Shortage | None:
    book = books.get(book_id)
    if book is None:
        return Shortage(book_id, "(no longer in the catalogue)", requested=quantity, available=0)
    return book.shortage(quantity)
