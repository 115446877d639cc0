"""Order history: a customer sees their own orders, an admin sees everyone's."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from bookstore.application.queries import OrderQuery
from bookstore.application.use_cases import (
    GetOrderCommand,
    ListAllOrdersCommand,
    ListMyOrdersCommand,
)
from bookstore.domain.book import Book
from bookstore.domain.errors import Forbidden, InvalidInput, OrderNotFound
from bookstore.domain.order import Order, OrderStatus
from bookstore.domain.pagination import PageRequest
from bookstore.domain.user import Actor

from .support import Shop


@pytest.fixture
def book(shop: Shop) -> Book:
    return shop.book(stock=1000)


def orders_over_days(shop: Shop, actor: Actor, book: Book, count: int) -> list[Order]:
    orders = []
    for _ in range(count):
        shop.clock.advance(timedelta(days=1))
        orders.append(shop.order(actor, (book, 1)))
    return orders


def my_orders(shop: Shop, actor: Actor, page: int = 1, page_size: int = 20) -> list[Order]:
    command = ListMyOrdersCommand(actor, PageRequest(page, page_size))
    return list(shop.app.list_my_orders()(command).items)


def test_a_customer_sees_their_own_order(shop: Shop, book: Book) -> None:
    ada = shop.customer()
    order = shop.order(ada, (book, 1))
    assert shop.app.get_order()(GetOrderCommand(ada, order.id)) == order


def test_another_users_order_is_not_found_rather_than_forbidden(shop: Shop, book: Book) -> None:
    ada, bob = shop.customer(), shop.customer()
    order = shop.order(ada, (book, 1))
    with pytest.raises(OrderNotFound) as refused:
        shop.app.get_order()(GetOrderCommand(bob, order.id))
    assert refused.value.order_id == order.id


def test_an_admin_sees_any_order(shop: Shop, book: Book) -> None:
    order = shop.order(shop.customer(), (book, 1))
    assert shop.app.get_order()(GetOrderCommand(shop.admin(), order.id)) == order


def test_an_unknown_order_is_not_found_even_for_an_admin(shop: Shop) -> None:
    with pytest.raises(OrderNotFound):
        shop.app.get_order()(GetOrderCommand(shop.root, uuid4()))


def test_my_orders_are_listed_newest_first(shop: Shop, book: Book) -> None:
    ada = shop.customer()
    placed = orders_over_days(shop, ada, book, 3)
    assert my_orders(shop, ada) == placed[::-1]


def test_orders_placed_in_the_same_instant_list_the_later_first(shop: Shop, book: Book) -> None:
    ada = shop.customer()
    first, second = shop.order(ada, (book, 1)), shop.order(ada, (book, 1))
    assert [o.id for o in my_orders(shop, ada)] == [second.id, first.id]


def test_my_orders_leave_out_everyone_elses(shop: Shop, book: Book) -> None:
    ada, bob = shop.customer(), shop.customer()
    mine = shop.order(ada, (book, 1))
    shop.order(bob, (book, 1))
    assert my_orders(shop, ada) == [mine]
    assert my_orders(shop, shop.customer()) == []


def test_my_orders_come_in_pages_with_the_total(shop: Shop, book: Book) -> None:
    ada = shop.customer()
    newest_first = orders_over_days(shop, ada, book, 5)[::-1]
    page = shop.app.list_my_orders()(ListMyOrdersCommand(ada, PageRequest(2, 2)))
    assert (page.page, page.page_size, page.total) == (2, 2, 5)
    assert list(page.items) == newest_first[2:4]
    assert my_orders(shop, ada, page=3, page_size=2) == newest_first[4:]
    assert my_orders(shop, ada, page=4, page_size=2) == []


def test_a_page_out_of_range_is_refused(shop: Shop) -> None:
    with pytest.raises(InvalidInput):
        ListMyOrdersCommand(shop.customer(), PageRequest(1, 101))


def test_an_admin_lists_every_users_orders_newest_first(shop: Shop, book: Book) -> None:
    ada, bob = shop.customer(), shop.customer()
    placed = [
        *orders_over_days(shop, ada, book, 1),
        *orders_over_days(shop, bob, book, 1),
        *orders_over_days(shop, ada, book, 1),
    ]
    page = shop.app.list_all_orders()(ListAllOrdersCommand(shop.root))
    assert list(page.items) == placed[::-1]
    assert page.total == 3


def test_an_admin_filters_orders_by_user_and_status(shop: Shop, book: Book) -> None:
    ada, bob = shop.customer(), shop.customer()
    adas = orders_over_days(shop, ada, book, 2)
    orders_over_days(shop, bob, book, 1)
    list_all = shop.app.list_all_orders()
    by_ada = list_all(ListAllOrdersCommand(shop.root, OrderQuery(user_id=ada.user_id)))
    assert list(by_ada.items) == adas[::-1]
    placed = list_all(ListAllOrdersCommand(shop.root, OrderQuery(status=OrderStatus.PLACED)))
    assert placed.total == 3
    shipped = list_all(ListAllOrdersCommand(shop.root, OrderQuery(status=OrderStatus.SHIPPED)))
    assert (list(shipped.items), shipped.total) == ([], 0)
    both = OrderQuery(user_id=bob.user_id, status=OrderStatus.PLACED, page=PageRequest(1, 1))
    assert list_all(ListAllOrdersCommand(shop.root, both)).total == 1


def test_a_customer_may_not_list_every_order(shop: Shop) -> None:
    with pytest.raises(Forbidden):
        shop.app.list_all_orders()(ListAllOrdersCommand(shop.customer()))
