"""Cancelling orders and moving them along their life: copies come back once, history grows."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookstore.application.use_cases import (
    CancelOrderCommand,
    ChangeOrderStatusCommand,
    GetOrderCommand,
    ListMyOrdersCommand,
    RemoveBookCommand,
)
from bookstore.domain.book import Book
from bookstore.domain.errors import Forbidden, InvalidInput, InvalidTransition, OrderNotFound
from bookstore.domain.inventory import MovementReason
from bookstore.domain.order import Order, OrderStatus
from bookstore.domain.order_status import ActorKind, Shipment
from bookstore.domain.pagination import PageRequest
from bookstore.domain.user import Actor

from .support import Shop


def cancel(shop: Shop, actor: Actor, order: Order, reason: str | None = None) -> Order:
    return shop.app.cancel_order()(CancelOrderCommand(actor, order.id, reason))


def move(shop: Shop, admin: Actor, order: Order, status: str, **fields: str) -> Order:
    command = ChangeOrderStatusCommand(admin, order.id, OrderStatus(status), **fields)
    return shop.app.change_order_status()(command)


def test_a_customer_cancels_their_order_and_every_copy_goes_back(
    shop: Shop, ada: Actor, dune: Book, emma: Book
) -> None:
    order = shop.order(ada, (dune, 3), (emma, 2))
    shop.clock.advance(timedelta(minutes=5))
    cancelled = cancel(shop, ada, order, "Ordered twice")
    assert cancelled.status is OrderStatus.CANCELLED
    assert cancelled.cancellation_reason == "Ordered twice"
    assert [(e.status, e.actor) for e in cancelled.status_history] == [
        (OrderStatus.PLACED, ActorKind.CUSTOMER),
        (OrderStatus.CANCELLED, ActorKind.CUSTOMER),
    ]
    assert cancelled.status_history[1].at == shop.clock.now()
    assert (shop.stock_of(dune.id), shop.stock_of(emma.id)) == (5, 2)
    assert shop.app.get_order()(GetOrderCommand(ada, order.id)) == cancelled
    returned = shop.movements_of(dune.id)[-1]
    assert (returned.reason, returned.delta, returned.order_id) == (
        MovementReason.CANCELLATION,
        3,
        order.id,
    )
    assert shop.reconcile().balanced


def test_a_second_cancel_is_refused_and_gives_nothing_back(
    shop: Shop, ada: Actor, dune: Book
) -> None:
    order = shop.order(ada, (dune, 2))
    cancel(shop, ada, order)
    before = shop.storage.state
    with pytest.raises(InvalidTransition) as refused:
        cancel(shop, ada, order)
    assert (refused.value.from_status, refused.value.to_status) == ("cancelled", "cancelled")
    assert shop.storage.state is before, "a refused cancel changed something"
    assert shop.stock_of(dune.id) == 5


def test_another_customers_order_is_not_found(shop: Shop, ada: Actor, dune: Book) -> None:
    order = shop.order(ada, (dune, 1))
    with pytest.raises(OrderNotFound):
        cancel(shop, shop.customer(), order)
    assert shop.stock_of(dune.id) == 4


def test_an_admin_cancels_any_order_as_an_admin(shop: Shop, ada: Actor, dune: Book) -> None:
    order = shop.order(ada, (dune, 1))
    cancelled = cancel(shop, shop.root, order)
    assert cancelled.status_history[-1].actor is ActorKind.ADMIN
    assert cancelled.status_history[-1].actor_id == shop.root.user_id


def test_an_admin_takes_an_order_to_delivery(shop: Shop, ada: Actor, dune: Book) -> None:
    order, admin = shop.order(ada, (dune, 1)), shop.root
    move(shop, admin, order, "paid", note="paid by bank transfer")
    shipped = move(shop, admin, order, "shipped", carrier="DHL", tracking_number="JD01")
    delivered = move(shop, admin, order, "delivered")
    assert shipped.shipment == delivered.shipment == Shipment("DHL", "JD01")
    assert [e.status.value for e in delivered.status_history] == [
        "placed",
        "paid",
        "shipped",
        "delivered",
    ]
    assert delivered.status_history[1].note == "paid by bank transfer"
    assert shop.stock_of(dune.id) == 4


def test_a_paid_order_can_still_be_cancelled_but_a_shipped_one_cannot(
    shop: Shop, ada: Actor, dune: Book
) -> None:
    paid, shipped = shop.order(ada, (dune, 1)), shop.order(ada, (dune, 2))
    for order in (paid, shipped):
        move(shop, shop.root, order, "paid")
    move(shop, shop.root, shipped, "shipped")
    assert cancel(shop, ada, paid).status is OrderStatus.CANCELLED
    with pytest.raises(InvalidTransition) as refused:
        cancel(shop, ada, shipped)
    assert (refused.value.from_status, refused.value.to_status) == ("shipped", "cancelled")
    assert shop.stock_of(dune.id) == 3


@pytest.mark.parametrize("status", ["placed", "shipped", "delivered"])
def test_an_admin_cannot_skip_or_repeat_a_step(
    shop: Shop, ada: Actor, dune: Book, status: str
) -> None:
    order = shop.order(ada, (dune, 1))
    with pytest.raises(InvalidTransition) as refused:
        move(shop, shop.root, order, status)
    assert (refused.value.from_status, refused.value.to_status) == ("placed", status)


def test_an_admin_cancelling_gives_the_note_as_the_reason(
    shop: Shop, ada: Actor, dune: Book
) -> None:
    cancelled = move(shop, shop.root, shop.order(ada, (dune, 2)), "cancelled", note="Fraud")
    assert cancelled.cancellation_reason == "Fraud"
    assert shop.stock_of(dune.id) == 5


def test_a_carrier_goes_only_with_shipping(shop: Shop, ada: Actor, dune: Book) -> None:
    order = shop.order(ada, (dune, 1))
    with pytest.raises(InvalidInput):
        move(shop, shop.root, order, "paid", carrier="DHL")


def test_only_an_admin_changes_a_status(shop: Shop, ada: Actor, dune: Book) -> None:
    order = shop.order(ada, (dune, 1))
    with pytest.raises(Forbidden):
        move(shop, ada, order, "paid")


def test_an_unknown_order_is_not_found(shop: Shop, ada: Actor, dune: Book) -> None:
    order = shop.order(ada, (dune, 1))
    shop.app.cancel_order()(CancelOrderCommand(ada, order.id))
    ghost = Order(shop.app.ids().new_id(), ada.user_id, order.status, order.lines, order.created_at)
    with pytest.raises(OrderNotFound):
        cancel(shop, shop.root, ghost)


def test_a_cancellation_brings_back_copies_of_a_book_since_removed(
    shop: Shop, ada: Actor, dune: Book
) -> None:
    order = shop.order(ada, (dune, 2))
    shop.app.remove_book()(RemoveBookCommand(shop.root, dune.id))
    cancel(shop, ada, order)
    assert shop.storage.state.removed_books[dune.id].stock == 5
    assert shop.reconcile().balanced


def test_a_customer_lists_their_orders_in_one_status(shop: Shop, ada: Actor, dune: Book) -> None:
    first, second, third = (shop.order(ada, (dune, 1)) for _ in range(3))
    cancel(shop, ada, first)
    cancel(shop, ada, third)
    list_mine = shop.app.list_my_orders()
    cancelled = list_mine(ListMyOrdersCommand(ada, PageRequest(), OrderStatus.CANCELLED))
    placed = list_mine(ListMyOrdersCommand(ada, PageRequest(), OrderStatus.PLACED))
    assert [o.id for o in cancelled.items] == [third.id, first.id]
    assert [o.id for o in placed.items] == [second.id]
