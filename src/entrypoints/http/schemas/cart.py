"""The cart on the wire: line changes in, the priced cart out."""

from __future__ import annotations

from typing import Annotated

import msgspec

from bookstore.application.cart_quote import (
    BookUnavailable,
    CouponStopped,
    Notice,
    PriceChanged,
    StockShort,
)
from bookstore.application.use_cases.view_cart import CartLineView, CartView
from bookstore.domain.cart import MAX_REQUEST_QUANTITY
from bookstore.domain.coupon import NotApplicable
from bookstore.entrypoints.http.schemas.common import IntId, MoneyText

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


class CartCouponOut(msgspec.Struct, kw_only=True):
    code: str
    discount: MoneyText
    """"0.00" when the coupon does not apply now (a notice says why)."""


class PriceChangedOut(msgspec.Struct, kw_only=True, tag_field="kind", tag="price_changed"):
    """The price when the line was last added or set (`from`), and now (`to`)."""

    book_id: int
    from_: MoneyText = msgspec.field(name="from")
    to: MoneyText


class InsufficientStockOut(
    msgspec.Struct, kw_only=True, tag_field="kind", tag="insufficient_stock"
):
    book_id: int
    requested: int
    available: int


class UnavailableOut(msgspec.Struct, kw_only=True, tag_field="kind", tag="unavailable"):
    """The book left the catalogue: its line is gone (told until the cart next changes)."""

    book_id: int


class CouponNotApplicableOut(
    msgspec.Struct, kw_only=True, tag_field="kind", tag="coupon_not_applicable"
):
    """The coupon stays in the cart, with a discount of "0.00"."""

    code: str
    reason: NotApplicable


NoticeOut = PriceChangedOut | InsufficientStockOut | UnavailableOut | CouponNotApplicableOut


class CartOut(msgspec.Struct, kw_only=True):
    items: list[CartLineOut]
    total_quantity: int
    subtotal: MoneyText
    coupons: list[CartCouponOut]
    """In the order they were added."""
    discount: MoneyText
    total: MoneyText
    """`subtotal` - `discount`."""
    notices: list[NoticeOut]
    currency: str


def cart_line_out(line: CartLineView) -> CartLineOut:
    return CartLineOut(
        book_id=line.book_id,
        title=line.title,
        unit_price=str(line.unit_price),
        quantity=line.quantity,
        line_total=str(line.line_total),
        in_stock=line.in_stock,
    )


def notice_out(notice: Notice) -> NoticeOut:
    if isinstance(notice, PriceChanged):
        return PriceChangedOut(book_id=notice.book_id, from_=str(notice.was), to=str(notice.now))
    if isinstance(notice, StockShort):
        return InsufficientStockOut(
            book_id=notice.book_id, requested=notice.requested, available=notice.available
        )
    if isinstance(notice, BookUnavailable):
        return UnavailableOut(book_id=notice.book_id)
    if isinstance(notice, CouponStopped):
        return CouponNotApplicableOut(code=notice.code, reason=notice.reason)
    raise TypeError(f"no wire form for {notice!r}")


def cart_out(cart: CartView) -> CartOut:
    return CartOut(
        items=[cart_line_out(line) for line in cart.lines],
        total_quantity=cart.total_quantity,
        subtotal=str(cart.subtotal),
        coupons=[CartCouponOut(code=c.code, discount=str(c.discount)) for c in cart.coupons],
        discount=str(cart.discount),
        total=str(cart.total),
        notices=[notice_out(notice) for notice in cart.notices],
        currency=cart.currency,
    )
