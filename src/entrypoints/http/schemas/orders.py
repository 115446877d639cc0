"""Orders on the wire: the (empty, for now) placement body and the order view."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from litestar.params import QueryParameter

from bookstore.application.queries import OrderQuery
from bookstore.domain.order import Order, OrderLine, OrderStatus
from bookstore.domain.pagination import Page, PageRequest
from bookstore.entrypoints.http.schemas.common import (
    MoneyText,
    PageNumber,
    PageSize,
    money_text,
    timestamp,
)


class PlaceOrderRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """Empty today; later issues add optional fields such as a coupon code."""


EMPTY_ORDER_REQUEST = PlaceOrderRequest()


class OrderLineOut(msgspec.Struct, kw_only=True):
    book_id: int
    title: str
    unit_price: MoneyText
    quantity: int
    line_total: MoneyText


class OrderOut(msgspec.Struct, kw_only=True):
    id: UUID
    status: OrderStatus
    items: list[OrderLineOut]
    total: MoneyText
    currency: str
    created_at: datetime


class OrderPage(msgspec.Struct, kw_only=True):
    items: list[OrderOut]
    page: int
    page_size: int
    total: int


def order_line_out(line: OrderLine) -> OrderLineOut:
    return OrderLineOut(
        book_id=line.book_id,
        title=line.title,
        unit_price=money_text(line.unit_price),
        quantity=line.quantity,
        line_total=money_text(line.line_total),
    )


def order_out(order: Order, currency: str) -> OrderOut:
    return OrderOut(
        id=order.id,
        status=order.status,
        items=[order_line_out(line) for line in order.lines],
        total=money_text(order.total),
        currency=currency,
        created_at=timestamp(order.created_at),
    )


def order_page(page: Page[Order], currency: str) -> OrderPage:
    return OrderPage(
        items=[order_out(order, currency) for order in page.items],
        page=page.page,
        page_size=page.page_size,
        total=page.total,
    )


def provide_order_query(
    page: PageNumber = 1,
    page_size: PageSize = 20,
    user_id: Annotated[UUID | None, QueryParameter(description="Only this user's orders.")] = None,
    status: Annotated[OrderStatus | None, QueryParameter(description="Only this status.")] = None,
) -> OrderQuery:
    return OrderQuery(page=PageRequest(page, page_size), user_id=user_id, status=status)
