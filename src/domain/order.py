"""Orders: placed from a cart, all lines or none, keeping the title and price of the moment;
then paid, shipped and delivered, or cancelled, along §10's table only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, NoReturn
from uuid import UUID

from bookstore.domain.book import Book
from bookstore.domain.cart import Cart
from bookstore.domain.errors import (
    EmptyCart,
    InsufficientStock,
    InvalidInput,
    InvalidTransition,
    Shortage,
)
from bookstore.domain.inventory import MovementReason, StockMovement
from bookstore.domain.money import Money, total_of
from bookstore.domain.order_status import (
    NOTE,
    REASON,
    ActorKind,
    ChangedBy,
    OrderStatus,
    Shipment,
    StatusChange,
    clean_text,
    may_move,
)
from bookstore.domain.payment import OrderPaymentStatus

__all__ = ["Order", "OrderCoupon", "OrderLine", "OrderStatus", "OrderTransition"]


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
class OrderCoupon:
    """A coupon the order carried, and what it took off (§13)."""

    code: str
    discount: Money


@dataclass(frozen=True, slots=True)
class Order:
    id: UUID
    user_id: UUID
    status: OrderStatus
    lines: tuple[OrderLine, ...]
    created_at: datetime
    status_history: tuple[StatusChange, ...] = ()
    """Oldest first; an order placed here starts with `placed`."""
    shipment: Shipment | None = None
    cancellation_reason: str | None = None
    payment_status: OrderPaymentStatus = OrderPaymentStatus.UNPAID
    coupons: tuple[OrderCoupon, ...] = ()
    """In the order they were added to the cart; lines keep their undiscounted prices."""

    @property
    def subtotal(self) -> Money:
        return total_of([line.line_total for line in self.lines])

    @property
    def discount(self) -> Money:
        return total_of([coupon.discount for coupon in self.coupons])

    @property
    def total(self) -> Money:
        return self.subtotal - self.discount

    @classmethod
    def place(
        cls,
        *,
        order_id: UUID,
        cart: Cart,
        books: Mapping[int, Book],
        now: datetime,
        coupons: tuple[OrderCoupon, ...] = (),
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
        lines = tuple(
            OrderLine(book_id, books[book_id].title, books[book_id].price, quantity)
            for book_id, quantity in cart.lines.items()
        )
        placed = StatusChange(OrderStatus.PLACED, now, ActorKind.CUSTOMER, actor_id=cart.user_id)
        order = cls(
            order_id, cart.user_id, OrderStatus.PLACED, lines, now, (placed,), coupons=coupons
        )
        for movement in order.sale_movements:
            books[movement.book_id].move(movement)
        return order

    @property
    def sale_movements(self) -> tuple[StockMovement, ...]:
        """The copies the order took, one `order` movement per line."""
        return self._line_movements(-1, MovementReason.ORDER, self.created_at, self.user_id)

    # Transitions: one business-named method each, returning what changed.

    def mark_paid(self, *, by: ChangedBy, at: datetime, note: str | None = None) -> OrderTransition:
        """A succeeded payment, or an admin recording a payment taken elsewhere."""
        return self._move(OrderStatus.PAID, by, at, note, payment_status=OrderPaymentStatus.PAID)

    def ship(
        self,
        *,
        by: ChangedBy,
        at: datetime,
        shipment: Shipment | None = None,
        note: str | None = None,
    ) -> OrderTransition:
        return self._move(OrderStatus.SHIPPED, by, at, note, shipment=shipment or Shipment())

    def deliver(self, *, by: ChangedBy, at: datetime, note: str | None = None) -> OrderTransition:
        return self._move(OrderStatus.DELIVERED, by, at, note)

    def cancel(self, *, by: ChangedBy, at: datetime, reason: str | None = None) -> OrderTransition:
        """Every line's copies go back to stock (the transition's `restock` movements)."""
        reason = clean_text(REASON, reason)
        payment = self.payment_status
        if self.status is OrderStatus.PAID:
            payment = OrderPaymentStatus.REFUNDED  # refunded in full (§12), or recorded so
        transition = self._move(
            OrderStatus.CANCELLED,
            by,
            at,
            reason,
            cancellation_reason=reason,
            payment_status=payment,
        )
        restock = self._line_movements(1, MovementReason.CANCELLATION, at, by.user_id)
        return replace(transition, restock=restock)

    @property
    def awaits_payment(self) -> bool:
        """`placed` with no payment under way: what expires when left unpaid (§10)."""
        return self.status is OrderStatus.PLACED and (
            self.payment_status is OrderPaymentStatus.UNPAID
        )

    def move_to(
        self,
        status: OrderStatus,
        *,
        by: ChangedBy,
        at: datetime,
        note: str | None = None,
        shipment: Shipment | None = None,
    ) -> OrderTransition:
        """The transition to `status` by its business name (an admin's status change)."""
        if shipment is not None and status is not OrderStatus.SHIPPED:
            raise InvalidInput.single("carrier", "is given only when the order ships")
        if status is OrderStatus.PAID:
            return self.mark_paid(by=by, at=at, note=note)
        if status is OrderStatus.SHIPPED:
            return self.ship(by=by, at=at, shipment=shipment, note=note)
        if status is OrderStatus.DELIVERED:
            return self.deliver(by=by, at=at, note=note)
        if status is OrderStatus.CANCELLED:
            return self.cancel(by=by, at=at, reason=note)
        self._refuse(status)

    def _move(
        self, to: OrderStatus, by: ChangedBy, at: datetime, note: str | None, **changes: Any
    ) -> OrderTransition:
        if not may_move(self.status, to):
            self._refuse(to)
        entry = StatusChange(to, at, by.kind, clean_text(NOTE, note), by.user_id)
        after = replace(self, status=to, status_history=(*self.status_history, entry), **changes)
        return OrderTransition(after, self.status, entry, previous_payment=self.payment_status)

    def _line_movements(
        self, sign: int, reason: MovementReason, at: datetime, actor_id: UUID | None
    ) -> tuple[StockMovement, ...]:
        """One movement of each line's copies, out (-1) or back in (1)."""
        return tuple(
            StockMovement(
                line.book_id, sign * line.quantity, reason, at, order_id=self.id, actor_id=actor_id
            )
            for line in self.lines
        )

    def _refuse(self, to: OrderStatus) -> NoReturn:
        raise InvalidTransition(self.id, self.status.value, to.value)


@dataclass(frozen=True, slots=True)
class OrderTransition:
    """What one transition changed: the order after it, the status it left, the history
    entry it appended, and the copies it gives back to stock (a cancellation's)."""

    order: Order
    previous: OrderStatus
    entry: StatusChange
    restock: tuple[StockMovement, ...] = ()
    previous_payment: OrderPaymentStatus = OrderPaymentStatus.UNPAID
    """The payment status the order was read in: the write is conditional on it too."""

    @property
    def status(self) -> OrderStatus:
        return self.order.status

    @property
    def event_type(self) -> str:
        """The name of the event this transition is (`order.cancelled`, ...)."""
        return f"order.{self.status.value}"


def _shortage(book_id: int, quantity: int, books: Mapping[int, Book]) -> Shortage | None:
    book = books.get(book_id)
    if book is None:
        return Shortage(book_id, "(no longer in the catalogue)", requested=quantity, available=0)
    return book.shortage(quantity)
