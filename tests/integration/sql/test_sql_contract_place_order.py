"""Placing an order through the real use case, on every storage: all lines or none."""

from __future__ import annotations

import pytest
from sql_support import RandomIds, StepClock, a_user, add_books, add_users, details

from bookstore.application.ports import UnitOfWorkFactory
from bookstore.application.queries import OrderQuery
from bookstore.application.use_cases.place_order import PlaceOrder, PlaceOrderCommand
from bookstore.domain.cart import Cart
from bookstore.domain.errors import InsufficientStock, Shortage
from bookstore.domain.money import Money
from bookstore.domain.user import Actor, Role


def test_an_order_takes_every_line_and_empties_the_cart(uow_factory: UnitOfWorkFactory) -> None:
    user = a_user()
    add_users(uow_factory, user)
    a, b = add_books(uow_factory, details("A", price="2.50", stock=3), details("B", stock=5))
    with uow_factory() as uow:
        uow.carts.save(Cart(user.id, {b.id: 5, a.id: 1}))
        uow.commit()
    place = PlaceOrder(uow=uow_factory, clock=StepClock(), ids=RandomIds())
    order = place(PlaceOrderCommand(actor=Actor(user.id, Role.CUSTOMER)))
    assert [(line.book_id, line.quantity) for line in order.lines] == [(b.id, 5), (a.id, 1)]
    assert order.total == Money(250 + 5 * 999)
    with uow_factory(read_only=True) as uow:
        assert uow.orders.get(order.id) == order
        assert uow.carts.get(user.id).is_empty
        stock = {book.id: book.stock for book in uow.books.get_many([a.id, b.id]).values()}
    assert stock == {a.id: 2, b.id: 0}


def test_a_short_line_fails_the_whole_order(uow_factory: UnitOfWorkFactory) -> None:
    user = a_user()
    add_users(uow_factory, user)
    a, b = add_books(uow_factory, details("A", stock=3), details("B", stock=4))
    with uow_factory() as uow:
        uow.carts.save(Cart(user.id, {a.id: 1, b.id: 5}))
        uow.commit()
    place = PlaceOrder(uow=uow_factory, clock=StepClock(), ids=RandomIds())
    with pytest.raises(InsufficientStock) as raised:
        place(PlaceOrderCommand(actor=Actor(user.id, Role.CUSTOMER)))
    assert raised.value.shortages == (Shortage(b.id, "B", requested=5, available=4),)
    with uow_factory(read_only=True) as uow:
        stock = {book.id: book.stock for book in uow.books.get_many([a.id, b.id]).values()}
        assert uow.orders.list(OrderQuery()).total == 0
        assert uow.carts.get(user.id).lines == {a.id: 1, b.id: 5}
    assert stock == {a.id: 3, b.id: 4}
