"""The cart as a quote (§13): priced at today's prices, with its coupons' discounts, and the
notices that tell the customer what changed since they filled it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bookstore.application.ports import UnitOfWork
from bookstore.domain.book import Book
from bookstore.domain.cart import Cart
from bookstore.domain.coupon import (
    Coupon,
    CouponOutcome,
    NotApplicable,
    PricedLine,
    price_coupons,
)
from bookstore.domain.money import Money, total_of


@dataclass(frozen=True, slots=True)
class CartLineView:
    book_id: int
    title: str
    unit_price: Money
    quantity: int
    in_stock: bool
    """True when the book's stock covers the line's quantity."""

    @property
    def line_total(self) -> Money:
        return self.unit_price * self.quantity


@dataclass(frozen=True, slots=True)
class PriceChanged:
    """The book's price now is not the one when the line was last added or set."""

    book_id: int
    was: Money
    now: Money


@dataclass(frozen=True, slots=True)
class StockShort:
    book_id: int
    requested: int
    available: int


@dataclass(frozen=True, slots=True)
class BookUnavailable:
    """The book left the catalogue and its line went with it."""

    book_id: int


@dataclass(frozen=True, slots=True)
class CouponStopped:
    """A coupon in the cart that does not apply now (it stays, with a discount of 0.00)."""

    code: str
    reason: NotApplicable


Notice = PriceChanged | StockShort | BookUnavailable | CouponStopped


@dataclass(frozen=True, slots=True)
class CartView:
    lines: tuple[CartLineView, ...]
    currency: str
    coupons: tuple[CouponOutcome, ...] = ()
    """The cart's coupons in the order they were added, each with its discount."""
    notices: tuple[Notice, ...] = ()

    @property
    def total_quantity(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def subtotal(self) -> Money:
        return total_of([line.line_total for line in self.lines])

    @property
    def discount(self) -> Money:
        return total_of([coupon.discount for coupon in self.coupons])

    @property
    def total(self) -> Money:
        return self.subtotal - self.discount


@dataclass(frozen=True, slots=True)
class CouponState:
    """What pricing a cart's coupons needs from storage: the coupons by code, and how many
    times the customer used each."""

    coupons: Mapping[str, Coupon]
    uses: Mapping[str, int]


def coupon_state(uow: UnitOfWork, cart: Cart, *, lock: bool = False) -> CouponState:
    """The cart's coupons as they are now; nothing is read for a cart without any."""
    if not cart.coupons:
        return CouponState({}, {})
    read = uow.coupons.lock if lock else uow.coupons.get_many
    coupons = read(cart.coupons)
    return CouponState(coupons, uow.coupons.uses_by(cart.user_id, list(coupons)))


def priced_line(book_id: int, line_total: Money, books: Mapping[int, Book]) -> PricedLine:
    return PricedLine(book_id, books[book_id].details.genre, line_total)


def cart_coupons(
    cart: Cart, lines: Sequence[PricedLine], state: CouponState, now: datetime
) -> tuple[CouponOutcome, ...]:
    """The cart's coupons priced on these lines, in the order they were added."""
    codes = [(code, state.coupons.get(code)) for code in cart.coupons]
    return price_coupons(lines, codes, now, state.uses)


def describe_cart(
    cart: Cart,
    books: Mapping[int, Book],
    currency: str,
    coupons: CouponState | None = None,
    now: datetime | None = None,
) -> CartView:
    """Price a cart at today's catalogue prices; books no longer listed are left out.
    Coupons are priced when their state and the time are given."""
    lines = tuple(
        CartLineView(book_id, book.title, book.price, quantity, book.covers(quantity))
        for book_id, quantity in cart.lines.items()
        if (book := books.get(book_id)) is not None
    )
    outcomes: tuple[CouponOutcome, ...] = ()
    if cart.coupons and coupons is not None and now is not None:
        priced = [priced_line(line.book_id, line.line_total, books) for line in lines]
        outcomes = cart_coupons(cart, priced, coupons, now)
    return CartView(lines, currency, outcomes, _notices(cart, lines, books, outcomes))


def _notices(
    cart: Cart,
    lines: Sequence[CartLineView],
    books: Mapping[int, Book],
    coupons: Sequence[CouponOutcome],
) -> tuple[Notice, ...]:
    notices: list[Notice] = []
    for line in lines:
        was = cart.quoted.get(line.book_id)
        if was is not None and was != line.unit_price:
            notices.append(PriceChanged(line.book_id, was, line.unit_price))
        if not line.in_stock:
            available = books[line.book_id].stock
            notices.append(StockShort(line.book_id, line.quantity, available))
    notices.extend(BookUnavailable(book_id) for book_id in cart.unavailable)
    notices.extend(CouponStopped(c.code, c.reason) for c in coupons if c.reason is not None)
    return tuple(notices)


def quote_cart(
    uow: UnitOfWork, cart: Cart, books: Mapping[int, Book], currency: str, now: datetime
) -> CartView:
    """The cart priced with its coupons, in this unit of work."""
    return describe_cart(cart, books, currency, coupon_state(uow, cart), now)
