"""The cart on the wire: line changes in, the priced cart out."""

from __future__ import annotations

from typing import Annotated

import msgspec

from bookstore.application.use_cases.view_cart import CartLineView, CartView
from bookstore.domain.cart import MAX_REQUEST_QUANTITY
from bookstore.entrypoints.http.schemas.common import IntId, MoneyText, money_text

AddedQuantity = Annotated[int, msgspec.Meta(ge=1, le=MAX_REQUEST_QUANTITY)]
LineQuantity = Annotated[int, msgspec.Meta(ge=0, le=MAX_REQUEST_QUANTITY)]


class AddItemRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    book_id: IntId
    quantity: AddedQuantity = 1


class SetQuantityRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """0 removes the line."""

    quantity: LineQuantity


class CartLineOut(msgspec.Struct, kw_only=True):
    book_id: int
    title: str
    unit_price: MoneyText
    quantity: int
    line_total: MoneyText
    in_stock: bool


class CartOut(msgspec.Struct, kw_only=True):
    items: list[CartLineOut]
    total_quantity: int
    subtotal: MoneyText
    currency: str


def cart_line_out(line: CartLineView) -> CartLineOut:
    return CartLineOut(
        book_id=line.book_id,
        title=line.title,
        unit_price=money_text(line.unit_price),
        quantity=line.quantity,
        line_total=money_text(line.line_total),
        in_stock=line.in_stock,
    )


def cart_out(cart: CartView) -> CartOut:
    return CartOut(
        items=[cart_line_out(line) for line in cart.lines],
        total_quantity=cart.total_quantity,
        subtotal=money_text(cart.subtotal),
        currency=cart.currency,
    )
