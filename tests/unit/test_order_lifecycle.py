"""The order's life: §10's transitions only, each one recorded, cancellations giving copies back."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from bookstore.domain.book import Book, BookDetails
from bookstore.domain.cart import Cart
from bookstore.domain.errors import InvalidInput, InvalidTransition
from bookstore.domain.inventory import MovementReason, StockMovement
from bookstore.domain.order import Order, OrderStatus, OrderTransition
from bookstore.domain.order_status import (
    NEXT_STATUSES,
    ActorKind,
    ChangedBy,
    Shipment,
    StatusChange,
    is_lawful_path,
    may_move,
)
from bookstore.domain.user import Actor, Role

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
ADMIN = ChangedBy(ActorKind.ADMIN, uuid4())

ALLOWED = {
    (OrderStatus.PLACED, OrderStatus.PAID),
    (OrderStatus.PLACED, OrderStatus.CANCELLED),
    (OrderStatus.PAID, OrderStatus.SHIPPED),
    (OrderStatus.PAID, OrderStatus.CANCELLED),
    (OrderStatus.SHIPPED, OrderStatus.DELIVERED),
}
EVERY_PAIR = list(itertools.product(OrderStatus, OrderStatus))


def a_book(book_id: int, stock: int) -> Book:
    details = BookDetails.parse(
        title=f"B{book_id}", author="A", genre="G", price="5.00", stock=stock
    )
    return Book(book_id, details, NOW, NOW)


def placed_order(lines: dict[int, int] | None = None) -> Order:
    cart = Cart(uuid4(), lines or {1: 2, 2: 1})
    books = {book_id: a_book(book_id, 10) for book_id in cart.lines}
    return Order.place(order_id=uuid4(), cart=cart, books=books, now=NOW)


def order_in(status: OrderStatus) -> Order:
    """An order that reached `status` along the table."""
    order = placed_order()
    path = {
        OrderStatus.PLACED: [],
        OrderStatus.PAID: [OrderStatus.PAID],
        OrderStatus.SHIPPED: [OrderStatus.PAID, OrderStatus.SHIPPED],
        OrderStatus.DELIVERED: [OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED],
        OrderStatus.CANCELLED: [OrderStatus.CANCELLED],
    }[status]
    for step in path:
        order = order.move_to(step, by=ADMIN, at=NOW).order
    return order


def test_the_table_is_exactly_the_contracts() -> None:
    assert {(a, b) for a, b in EVERY_PAIR if may_move(a, b)} == ALLOWED
    assert NEXT_STATUSES[OrderStatus.DELIVERED] == NEXT_STATUSES[OrderStatus.CANCELLED] == set()


@pytest.mark.parametrize(("from_status", "to_status"), sorted(ALLOWED))
def test_an_allowed_transition_moves_the_order_and_records_it(
    from_status: OrderStatus, to_status: OrderStatus
) -> None:
    order = order_in(from_status)
    transition = order.move_to(to_status, by=ADMIN, at=LATER, note=" checked ")
    assert transition.previous is from_status
    assert transition.status is to_status
    assert transition.order.status is to_status
    assert transition.entry == StatusChange(
        to_status, LATER, ActorKind.ADMIN, "checked", ADMIN.user_id
    )
    assert transition.order.status_history == (*order.status_history, transition.entry)
    assert transition.event_type == f"order.{to_status.value}"
    assert order.status is from_status, "the order before the transition is left as it was"


@pytest.mark.parametrize(
    ("from_status", "to_status"), [pair for pair in EVERY_PAIR if pair not in ALLOWED]
)
def test_every_other_transition_is_refused_with_from_and_to(
    from_status: OrderStatus, to_status: OrderStatus
) -> None:
    order = order_in(from_status)
    with pytest.raises(InvalidTransition) as refused:
        order.move_to(to_status, by=ADMIN, at=LATER)
    assert (refused.value.from_status, refused.value.to_status) == (from_status, to_status)
    assert refused.value.order_id == order.id
    assert refused.value.code == "invalid-transition"


def test_a_placed_order_starts_its_history_with_placed_by_its_customer() -> None:
    order = placed_order()
    assert order.status_history == (
        StatusChange(OrderStatus.PLACED, NOW, ActorKind.CUSTOMER, None, order.user_id),
    )
    assert is_lawful_path([entry.status for entry in order.status_history])


def test_placing_an_order_moves_stock_by_its_sale_movements() -> None:
    cart = Cart(uuid4(), {1: 2, 2: 3})
    books = {1: a_book(1, 5), 2: a_book(2, 3)}
    order = Order.place(order_id=uuid4(), cart=cart, books=books, now=NOW)
    assert order.sale_movements == (
        StockMovement(1, -2, MovementReason.ORDER, NOW, order.id, order.user_id),
        StockMovement(2, -3, MovementReason.ORDER, NOW, order.id, order.user_id),
    )
    assert (books[1].stock, books[2].stock) == (3, 0)


@pytest.mark.parametrize("status", [OrderStatus.PLACED, OrderStatus.PAID])
def test_cancelling_gives_every_lines_copies_back(status: OrderStatus) -> None:
    order = order_in(status)
    customer = ChangedBy.person(Actor(order.user_id, Role.CUSTOMER))
    transition = order.cancel(by=customer, at=LATER, reason="  changed my mind ")
    assert transition.order.cancellation_reason == "changed my mind"
    assert transition.entry.note == "changed my mind"
    assert transition.entry.actor is ActorKind.CUSTOMER
    assert transition.restock == (
        StockMovement(1, 2, MovementReason.CANCELLATION, LATER, order.id, order.user_id),
        StockMovement(2, 1, MovementReason.CANCELLATION, LATER, order.id, order.user_id),
    )


def test_a_cancellation_without_a_reason_has_none() -> None:
    transition = placed_order().cancel(by=ChangedBy.system(), at=LATER, reason="   ")
    assert transition.order.cancellation_reason is None
    assert transition.entry == StatusChange(OrderStatus.CANCELLED, LATER, ActorKind.SYSTEM)


def test_a_second_cancel_is_refused() -> None:
    cancelled = placed_order().cancel(by=ADMIN, at=LATER).order
    with pytest.raises(InvalidTransition) as refused:
        cancelled.cancel(by=ADMIN, at=LATER)
    assert (refused.value.from_status, refused.value.to_status) == ("cancelled", "cancelled")


def test_only_cancellations_give_copies_back() -> None:
    order = order_in(OrderStatus.PAID)
    assert order.ship(by=ADMIN, at=LATER).restock == ()
    assert placed_order().mark_paid(by=ChangedBy.payment(), at=LATER).restock == ()


def test_shipping_keeps_the_carrier_and_tracking_number() -> None:
    shipment = Shipment.parse(" DHL ", "JD0146")
    shipped = order_in(OrderStatus.PAID).ship(by=ADMIN, at=LATER, shipment=shipment).order
    assert shipped.shipment == Shipment("DHL", "JD0146")
    assert order_in(OrderStatus.PAID).ship(by=ADMIN, at=LATER).order.shipment == Shipment()
    assert placed_order().shipment is None


def test_a_shipment_goes_only_with_shipping() -> None:
    with pytest.raises(InvalidInput) as refused:
        placed_order().move_to(OrderStatus.PAID, by=ADMIN, at=LATER, shipment=Shipment("DHL"))
    assert refused.value.errors[0].field == "carrier"


@pytest.mark.parametrize(
    ("field", "call"),
    [
        ("note", lambda o: o.mark_paid(by=ADMIN, at=LATER, note="n" * 501)),
        ("reason", lambda o: o.cancel(by=ADMIN, at=LATER, reason="r" * 501)),
    ],
)
def test_a_note_or_reason_over_500_characters_is_refused(
    field: str, call: Callable[[Order], object]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        call(placed_order())
    assert refused.value.errors[0].field == field


def test_a_shipment_longer_than_its_limits_names_every_field() -> None:
    with pytest.raises(InvalidInput) as refused:
        Shipment.parse("c" * 101, "t" * 101)
    assert [e.field for e in refused.value.errors] == ["carrier", "tracking_number"]


def test_an_admin_acts_as_an_admin_even_on_their_own_order() -> None:
    admin = Actor(uuid4(), Role.ADMIN)
    assert ChangedBy.person(admin) == ChangedBy(ActorKind.ADMIN, admin.user_id)


@pytest.mark.parametrize(
    ("path", "lawful"),
    [
        (["placed"], True),
        (["placed", "paid", "shipped", "delivered"], True),
        (["placed", "paid", "cancelled"], True),
        (["paid"], False),
        (["placed", "shipped"], False),
        (["placed", "cancelled", "cancelled"], False),
        ([], False),
    ],
)
def test_a_history_is_lawful_only_along_the_table(path: list[str], lawful: bool) -> None:
    assert is_lawful_path([OrderStatus(s) for s in path]) is lawful


def test_a_transition_is_a_value() -> None:
    transition = placed_order().mark_paid(by=ADMIN, at=LATER)
    assert isinstance(transition, OrderTransition)
    with pytest.raises(AttributeError):
        transition.order = transition.order  # type: ignore[misc]
