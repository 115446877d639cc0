"""Scenes for the review and co-purchase contract tests: customers and their orders."""

from __future__ import annotations

from datetime import timedelta
from itertools import count
from uuid import UUID, uuid4

from sql_support import T0, a_user, add_users

from bookstore.application.ports import UnitOfWorkFactory
from bookstore.domain.book import Book
from bookstore.domain.order import Order, OrderLine, OrderStatus
from bookstore.domain.review import Review, ReviewText

_numbers = count(1)


def customers(factory: UnitOfWorkFactory, how_many: int) -> list[UUID]:
    users = [a_user(f"reader{next(_numbers)}@example.com") for _ in range(how_many)]
    add_users(factory, *users)
    return [user.id for user in users]


def ordered(
    factory: UnitOfWorkFactory,
    user_id: UUID,
    books: list[Book],
    status: OrderStatus = OrderStatus.PAID,
) -> Order:
    """An order of one copy of each book, stored as it stands in `status`."""
    lines = tuple(OrderLine(book.id, book.title, book.price, 1) for book in books)
    order = Order(uuid4(), user_id, status, lines, T0)
    with factory() as uow:
        uow.orders.add(order)
        uow.commit()
    return order


def a_review(user_id: UUID, book_id: int, rating: int, at_second: int = 0) -> Review:
    at = T0 + timedelta(seconds=at_second)
    return Review(uuid4(), book_id, user_id, ReviewText(rating, "Title", "Body"), at, at)
