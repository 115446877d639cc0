"""Carts and orders, on every storage."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

from sql_support import T0, a_user, add_books, add_users, details

from bookstore.application.ports import UnitOfWorkFactory
from bookstore.application.queries import OrderQuery
from bookstore.domain.cart import Cart
from bookstore.domain.money import Money
from bookstore.domain.order import Order, OrderLine, OrderStatus
from bookstore.domain.pagination import PageRequest


def test_a_new_user_has_an_empty_cart(uow_factory: UnitOfWorkFactory) -> None:
    user = a_user()
    add_users(uow_factory, user)
    with uow_factory(read_only=True) as uow:
        assert uow.carts.get(user.id) == Cart(user.id, {})


def test_a_cart_keeps_its_lines_in_the_order_they_were_added(
    uow_factory: UnitOfWorkFactory,
) -> None:
    ada, bob = a_user("ada@example.com"), a_user("bob@example.com")
    add_users(uow_factory, ada, bob)
    a, b, c = add_books(uow_factory, details("A"), details("B"), details("C"))
    with uow_factory() as uow:
        uow.carts.save(Cart(ada.id, {c.id: 3, a.id: 1, b.id: 2}))
        uow.carts.save(Cart(bob.id, {a.id: 5}))
        uow.commit()
    with uow_factory() as uow:
        cart = uow.carts.get(ada.id)
        assert list(cart.lines.items()) == [(c.id, 3), (a.id, 1), (b.id, 2)]
        del cart.lines[a.id]
        cart.lines[a.id] = 4
        cart.lines[c.id] = 1
        uow.carts.save(cart)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert list(uow.carts.get(ada.id).lines.items()) == [(c.id, 1), (b.id, 2), (a.id, 4)]
        assert uow.carts.get(bob.id).lines == {a.id: 5}


def test_saving_an_empty_cart_empties_it(uow_factory: UnitOfWorkFactory) -> None:
    user = a_user()
    add_users(uow_factory, user)
    (book,) = add_books(uow_factory, details())
    with uow_factory() as uow:
        uow.carts.save(Cart(user.id, {book.id: 1}))
        uow.commit()
    with uow_factory() as uow:
        uow.carts.save(Cart(user.id, {}))
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.carts.get(user.id).is_empty


def test_a_book_can_be_removed_from_every_cart(uow_factory: UnitOfWorkFactory) -> None:
    ada, bob = a_user("ada@example.com"), a_user("bob@example.com")
    add_users(uow_factory, ada, bob)
    a, b = add_books(uow_factory, details("A"), details("B"))
    with uow_factory() as uow:
        uow.carts.save(Cart(ada.id, {a.id: 1, b.id: 1}))
        uow.carts.save(Cart(bob.id, {a.id: 2}))
        uow.books.remove(a.id, T0)
        uow.carts.remove_book_everywhere(a.id)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.carts.get(ada.id).lines == {b.id: 1}
        assert uow.carts.get(bob.id).is_empty


def _order(
    user_id: UUID,
    book_ids: list[int],
    minutes: int,
    status: OrderStatus = OrderStatus.PLACED,
) -> Order:
    lines = tuple(
        OrderLine(book_id, f"Title {n}", Money(100 * (n + 1) + 99), n + 1)
        for n, book_id in enumerate(book_ids)
    )
    return Order(uuid4(), user_id, status, lines, T0 + timedelta(minutes=minutes))


def test_an_order_round_trips_with_its_lines(uow_factory: UnitOfWorkFactory) -> None:
    user = a_user()
    add_users(uow_factory, user)
    a, b, c = add_books(uow_factory, details("A"), details("B"), details("C"))
    order = _order(user.id, [c.id, a.id, b.id], minutes=0)
    with uow_factory() as uow:
        uow.orders.add(order)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        stored = uow.orders.get(order.id)
        assert uow.orders.get(uuid4()) is None
    assert stored == order
    assert stored.total == Money(199 * 1 + 299 * 2 + 399 * 3)
    assert stored.created_at.utcoffset() == timedelta(0)


def test_orders_are_listed_newest_first_with_filters(uow_factory: UnitOfWorkFactory) -> None:
    ada, bob = a_user("ada@example.com"), a_user("bob@example.com")
    add_users(uow_factory, ada, bob)
    a, b = add_books(uow_factory, details("A"), details("B"))
    orders = [
        _order(ada.id, [a.id], minutes=1),
        _order(bob.id, [a.id, b.id], minutes=2),
        _order(ada.id, [b.id, a.id], minutes=3, status=OrderStatus.PAID),
        _order(ada.id, [b.id], minutes=4),
    ]
    with uow_factory() as uow:
        for order in (orders[2], orders[0], orders[3], orders[1]):
            uow.orders.add(order)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        everyone = uow.orders.list(OrderQuery())
        adas = uow.orders.list(OrderQuery(user_id=ada.id))
        ada_placed = uow.orders.list(OrderQuery(user_id=ada.id, status=OrderStatus.PLACED))
        paid = uow.orders.list(OrderQuery(status=OrderStatus.PAID))
        page_two = uow.orders.list(OrderQuery(page=PageRequest(2, 3)))
        nobody = uow.orders.list(OrderQuery(user_id=uuid4()))
    assert list(everyone.items) == orders[::-1]
    assert everyone.total == 4
    assert list(adas.items) == [orders[3], orders[2], orders[0]]
    assert adas.total == 3
    assert list(ada_placed.items) == [orders[3], orders[0]]
    assert list(paid.items) == [orders[2]]
    assert (list(page_two.items), page_two.total) == ([orders[0]], 4)
    assert (list(nobody.items), nobody.total) == ([], 0)
