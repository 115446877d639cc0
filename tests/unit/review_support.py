"""Setting the scene for reviews: customers who really bought a book."""

from __future__ import annotations

from bookstore.application.use_cases.change_order_status import ChangeOrderStatusCommand
from bookstore.application.use_cases.review_book import ReviewBookCommand
from bookstore.domain.book import Book
from bookstore.domain.order import Order, OrderStatus
from bookstore.domain.review import Review, ReviewText
from bookstore.domain.user import Actor

from .support import Shop


def paid(shop: Shop, order: Order) -> Order:
    """An admin records the order's payment taken elsewhere."""
    command = ChangeOrderStatusCommand(shop.root, order.id, OrderStatus.PAID)
    return shop.app.change_order_status()(command)


def buyer(shop: Shop, *books: Book) -> Actor:
    """A new customer with a paid order of one copy of each book."""
    customer = shop.customer()
    paid(shop, shop.order(customer, *((book, 1) for book in books)))
    return customer


def review(shop: Shop, actor: Actor, book: Book, rating: int, title: str | None = None) -> Review:
    text = ReviewText.parse(rating=rating, title=title)
    return shop.app.review_book()(ReviewBookCommand(actor, book.id, text))
