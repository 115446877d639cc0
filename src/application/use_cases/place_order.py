from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from bookstore.application import announcements
from bookstore.application.metrics import NO_METRICS, BusinessMetrics
from bookstore.application.ports import Clock, IdGenerator, UnitOfWork, UnitOfWorkFactory
from bookstore.application.redemptions import check_expected_total, redeem_cart_coupons
from bookstore.domain.errors import EmptyCart, InsufficientStock, Shortage
from bookstore.domain.money import Money
from bookstore.domain.order import Order, OrderLine
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class PlaceOrderCommand:
    actor: Actor
    expected_total: Money | None = None
    """The total the customer was quoted; the order is refused if its total differs."""


class PlaceOrder:
    """Turn the caller's cart into an order.

    - All lines or none: if any book falls short, nothing changes and every short book is
      reported with the quantity asked and the quantity available.
    - Stock never goes below zero, whatever runs concurrently: the books are locked in id
      order, and each is taken with a conditional decrement.
    - The order keeps each book's title and price as they are now; the cart is emptied.
    - Every line's copies are recorded as an `order` movement, in the same transaction.
    - The cart's coupons must all still apply; each takes one use in the same transaction
      (§13). With `expected_total`, a different total refuses the order; nothing changes.
    - `order.placed` (and `book.low_stock` for each book it takes to its threshold) goes to
      the outbox in the same transaction.
    """

    retry_when_busy: ClassVar[Literal[True]] = True
    """Its write unit of work is its first storage action (see `RetryableWrite`)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdGenerator,
        *,
        metrics: BusinessMetrics = NO_METRICS,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._metrics = metrics

    def __call__(self, command: PlaceOrderCommand) -> Order:
        with self._uow() as uow:
            order = order_the_cart(
                uow, command.actor, self._clock, self._ids, expected_total=command.expected_total
            )
            uow.commit()
        self._metrics.order_placed(order)
        return order


def order_the_cart(
    uow: UnitOfWork,
    actor: Actor,
    clock: Clock,
    ids: IdGenerator,
    *,
    expected_total: Money | None = None,
) -> Order:
    """The steps of placing an order, inside the caller's write unit of work."""
    cart = uow.carts.get(actor.user_id)
    if cart.is_empty:
        raise EmptyCart()
    books = uow.books.lock(cart.lines.keys())
    now = clock.now()
    order = Order.place(order_id=ids.new_id(), cart=cart, books=books, now=now)
    # Coupons (§13): nothing is read or written for a cart without any.
    order = redeem_cart_coupons(uow, cart, order, books, now)
    check_expected_total(order, expected_total)
    for line in order.lines:
        if not uow.books.take_stock(line.book_id, line.quantity):
            raise InsufficientStock([_shortage_now(uow, line)])
    uow.orders.add(order)
    sold = order.sale_movements
    uow.inventory.record(sold)
    cart.clear()
    uow.carts.save(cart)
    # Events (§14), in the order's transaction: the order, and the books it took low.
    announcements.order_placed(uow, order)
    announcements.stock_moved(uow, sold, books)
    return order


def _shortage_now(uow: UnitOfWork, line: OrderLine) -> Shortage:
    """Only reached if storage let the stock change under the lock: report it as it is."""
    book = uow.books.get(line.book_id)
    available = book.stock if book else 0
    return Shortage(line.book_id, line.title, requested=line.quantity, available=available)
