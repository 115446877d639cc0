"""Carts: one per user, a list of books and quantities, priced at today's catalogue prices."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from bookstore.domain.errors import (
    CartLimitExceeded,
    CartLineNotFound,
    CouponNotInCart,
    InvalidInput,
)
from bookstore.domain.money import Money

MAX_REQUEST_QUANTITY = 100


@dataclass(frozen=True, slots=True)
class CartLimits:
    max_line_quantity: int = 100
    max_distinct_books: int = 100


def check_requested_quantity(quantity: int, *, allow_zero: bool = False) -> None:
    """A quantity in a request must be 1 to 100 (0 too where it removes the line)."""
    lowest = 0 if allow_zero else 1
    if isinstance(quantity, bool) or not lowest <= quantity <= MAX_REQUEST_QUANTITY:
        raise InvalidInput.single(
            "quantity", f"must be between {lowest} and {MAX_REQUEST_QUANTITY}"
        )


@dataclass(slots=True)
class Cart:
    user_id: UUID
    lines: dict[int, int] = field(default_factory=dict)
    """Book id to quantity, in the order the books were added."""
    quoted: dict[int, Money] = field(default_factory=dict)
    """Book id to its price when the line was last added or set (a cart is a quote)."""
    coupons: list[str] = field(default_factory=list)
    """Coupon codes, in the order they were added."""
    unavailable: list[int] = field(default_factory=list)
    """Books that left the catalogue (their lines went with them) since the cart last changed:
    told to the customer until the cart next changes."""

    @property
    def is_empty(self) -> bool:
        return not self.lines

    def quantity_of(self, book_id: int) -> int:
        return self.lines.get(book_id, 0)

    def add(
        self, book_id: int, quantity: int, limits: CartLimits, price: Money | None = None
    ) -> int:
        """Add copies to a line, creating it if needed; returns the line's new quantity.
        `price` is the book's price now, remembered as the line's quoted price."""
        check_requested_quantity(quantity)
        return self.set_quantity(book_id, self.quantity_of(book_id) + quantity, limits, price)

    def set_quantity(
        self, book_id: int, quantity: int, limits: CartLimits, price: Money | None = None
    ) -> int:
        if isinstance(quantity, bool) or quantity < 0:
            raise InvalidInput.single("quantity", "must not be negative")
        if quantity == 0:
            self.lines.pop(book_id, None)
            self.quoted.pop(book_id, None)
            self.unavailable.clear()
            return 0
        if quantity > limits.max_line_quantity:
            raise CartLimitExceeded(
                f"A cart line holds at most {limits.max_line_quantity} copies of a book."
            )
        if book_id not in self.lines and len(self.lines) >= limits.max_distinct_books:
            raise CartLimitExceeded(
                f"A cart holds at most {limits.max_distinct_books} different books."
            )
        self.lines[book_id] = quantity
        if price is not None:
            self.quoted[book_id] = price
        self.unavailable.clear()
        return quantity

    def remove(self, book_id: int) -> None:
        if book_id not in self.lines:
            raise CartLineNotFound(book_id)
        del self.lines[book_id]
        self.quoted.pop(book_id, None)
        self.unavailable.clear()

    def add_coupon(self, code: str) -> None:
        """Add a coupon code after those already in the cart (once)."""
        if code not in self.coupons:
            self.coupons.append(code)
        self.unavailable.clear()

    def remove_coupon(self, code: str) -> None:
        if code not in self.coupons:
            raise CouponNotInCart(code)
        self.coupons.remove(code)
        self.unavailable.clear()

    def clear(self) -> None:
        """Empty the cart: its lines and its coupons."""
        self.lines.clear()
        self.quoted.clear()
        self.coupons.clear()
        self.unavailable.clear()
