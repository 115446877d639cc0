"""Orders on the wire: the (empty, for now) placement body, the order view with its status
history, and the bodies that cancel an order or change its status."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import msgspec
from litestar.params import QueryParameter

from bookstore.application.queries import OrderQuery
from bookstore.domain.errors import InvalidInput
from bookstore.domain.money import Money
from bookstore.domain.order import Order, OrderLine, OrderStatus
from bookstore.domain.order_status import (
    CARRIER,
    NOTE,
    REASON,
    TRACKING_NUMBER,
    ActorKind,
    Shipment,
    StatusChange,
)
from bookstore.domain.pagination import Page, PageRequest
from bookstore.domain.payment import OrderPaymentStatus
from bookstore.entrypoints.http.schemas.common import (
    MoneyText,
    PageNumber,
    PageOut,
    PageSize,
    amount_schema,
    timestamp,
)

ExpectedTotal = Annotated[
    Decimal,
    msgspec.Meta(
        extra_json_schema=amount_schema(
            "The cart's `total` when it was quoted.", minimum="0", nullable=True
        )
    ),
]


class PlaceOrderRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    expected_total: ExpectedTotal | None = None
    """The total the cart was quoted at (its `total`): a different total refuses the order
    (409 `quote-changed`) and changes nothing."""

    def expected(self) -> Money | None:
        if self.expected_total is None:
            return None
        expected = Money.parse(self.expected_total, "expected_total")
        if expected.cents < 0:
            raise InvalidInput.single("expected_total", "must not be negative")
        return expected


EMPTY_ORDER_REQUEST = PlaceOrderRequest()

Reason = Annotated[str, msgspec.Meta(max_length=REASON.max_len)]
Note = Annotated[str, msgspec.Meta(max_length=NOTE.max_len)]
Carrier = Annotated[str, msgspec.Meta(max_length=CARRIER.max_len)]
TrackingNumber = Annotated[str, msgspec.Meta(max_length=TRACKING_NUMBER.max_len)]


class CancelOrderRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    reason: Reason | None = None
    """Why, kept as the order's `cancellation_reason`."""


EMPTY_CANCEL_REQUEST = CancelOrderRequest()


class OrderStatusRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    status: OrderStatus
    note: Note | None = None
    """Goes into the status history (and is the cancellation reason of a cancel)."""
    carrier: Carrier | None = None
    """Only when shipping, as `tracking_number`."""
    tracking_number: TrackingNumber | None = None


class OrderCouponOut(msgspec.Struct, kw_only=True):
    code: str
    discount: MoneyText


class OrderLineOut(msgspec.Struct, kw_only=True):
    book_id: int
    title: str
    unit_price: MoneyText
    quantity: int
    line_total: MoneyText


class StatusChangeOut(msgspec.Struct, kw_only=True):
    status: OrderStatus
    at: datetime
    actor: ActorKind
    note: str | None


class ShipmentOut(msgspec.Struct, kw_only=True):
    carrier: str | None
    tracking_number: str | None


class OrderOut(msgspec.Struct, kw_only=True):
    id: UUID
    status: OrderStatus
    items: list[OrderLineOut]
    """At their undiscounted prices."""
    subtotal: MoneyText
    discount: MoneyText
    coupons: list[OrderCouponOut]
    total: MoneyText
    """`subtotal` - `discount`."""
    currency: str
    created_at: datetime
    status_history: list[StatusChangeOut]
    """Oldest first; the first entry is `placed`."""
    shipment: ShipmentOut | None
    cancellation_reason: str | None
    payment_status: OrderPaymentStatus
    """`unpaid`, `processing`, `paid` or `refunded` (§12)."""


class OrderPage(PageOut[OrderOut], kw_only=True):
    items: list[OrderOut]


def order_line_out(line: OrderLine) -> OrderLineOut:
    return OrderLineOut(
        book_id=line.book_id,
        title=line.title,
        unit_price=str(line.unit_price),
        quantity=line.quantity,
        line_total=str(line.line_total),
    )


def status_change_out(entry: StatusChange) -> StatusChangeOut:
    return StatusChangeOut(
        status=entry.status, at=timestamp(entry.at), actor=entry.actor, note=entry.note
    )


def shipment_out(shipment: Shipment | None) -> ShipmentOut | None:
    if shipment is None:
        return None
    return ShipmentOut(carrier=shipment.carrier, tracking_number=shipment.tracking_number)


def order_out(order: Order, currency: str) -> OrderOut:
    return OrderOut(
        id=order.id,
        status=order.status,
        items=[order_line_out(line) for line in order.lines],
        subtotal=str(order.subtotal),
        discount=str(order.discount),
        coupons=[OrderCouponOut(code=c.code, discount=str(c.discount)) for c in order.coupons],
        total=str(order.total),
        currency=currency,
        created_at=timestamp(order.created_at),
        status_history=[status_change_out(entry) for entry in order.status_history],
        shipment=shipment_out(order.shipment),
        cancellation_reason=order.cancellation_reason,
        payment_status=order.payment_status,
    )


def order_page(page: Page[Order], currency: str) -> OrderPage:
    return OrderPage.of(page, lambda order: order_out(order, currency))


StatusFilter = Annotated[
    OrderStatus | None, QueryParameter(description="Only orders in this status.")
]


def provide_order_query(
    page: PageNumber = 1,
    page_size: PageSize = 20,
    user_id: Annotated[UUID | None, QueryParameter(description="Only this user's orders.")] = None,
    status: StatusFilter = None,
) -> OrderQuery:
    return OrderQuery(page=PageRequest(page, page_size), user_id=user_id, status=status)
