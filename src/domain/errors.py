"""One small hierarchy of the errors the bookstore raises.

Every error carries what a client needs to act on it, and a stable `code` that names the
kind of problem (the HTTP adapter turns it into a problem `type`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID


class DomainError(Exception):
    """A request the bookstore refuses, with a sentence a person can read: the one given, or
    the class's own `detail` (an error that always says the same)."""

    code = "domain-error"
    detail: str

    def __init__(self, detail: str | None = None) -> None:
        if detail is not None:
            self.detail = detail
        super().__init__(self.detail)


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str


class InvalidInput(DomainError):
    """One or more fields break a rule; every offending field is named."""

    code = "validation"

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in self.errors))

    @classmethod
    def single(cls, field: str, message: str) -> InvalidInput:
        return cls([FieldError(field, message)])


class AuthenticationFailed(DomainError):
    """Wrong credentials, or a token that is missing, expired, tampered or revoked."""

    code = "unauthorized"
    detail = "Authentication failed."


class Forbidden(DomainError):
    code = "forbidden"
    detail = "You are not allowed to do this."


class NotFound(DomainError):
    code = "not-found"


class BookNotFound(NotFound):
    def __init__(self, book_id: int) -> None:
        self.book_id = book_id
        super().__init__(f"Book {book_id} does not exist.")


class UserNotFound(NotFound):
    def __init__(self, user_id: UUID) -> None:
        self.user_id = user_id
        super().__init__(f"User {user_id} does not exist.")


class OrderNotFound(NotFound):
    def __init__(self, order_id: UUID) -> None:
        self.order_id = order_id
        super().__init__(f"Order {order_id} does not exist.")


class CartLineNotFound(NotFound):
    def __init__(self, book_id: int) -> None:
        self.book_id = book_id
        super().__init__(f"Book {book_id} is not in the cart.")


class Conflict(DomainError):
    """The request is well formed but clashes with the current state."""

    code = "conflict"


class EmailAlreadyRegistered(Conflict):
    code = "email-taken"
    detail = "An account with this email already exists."


class DuplicateIsbn(Conflict):
    code = "duplicate-isbn"

    def __init__(self, isbn: str) -> None:
        self.isbn = isbn
        super().__init__(f"A book with ISBN {isbn} is already in the catalogue.")


@dataclass(frozen=True, slots=True)
class Shortage:
    """A book that cannot cover the quantity asked for."""

    book_id: int
    title: str
    requested: int
    available: int


class InsufficientStock(Conflict):
    code = "insufficient-stock"

    def __init__(self, shortages: Sequence[Shortage]) -> None:
        self.shortages = tuple(shortages)
        titles = ", ".join(
            f"'{s.title}' ({s.available} left, {s.requested} asked)" for s in shortages
        )
        super().__init__(f"Not enough stock for {titles}.")


class InvalidTransition(Conflict):
    """An order cannot move from its status to the one asked for (§10's table); nothing
    changed. `from_status` is the status the order is in now."""

    code = "invalid-transition"

    def __init__(self, order_id: UUID, from_status: str, to_status: str) -> None:
        self.order_id = order_id
        self.from_status = from_status
        self.to_status = to_status
        super().__init__(f"Order {order_id} cannot go from '{from_status}' to '{to_status}'.")


class CartLimitExceeded(Conflict):
    code = "cart-limit"


class EmptyCart(Conflict):
    code = "empty-cart"
    detail = "The cart is empty: add a book before placing an order."


class SelfLockout(Conflict):
    """An admin tried to disable or demote their own account."""

    code = "self-lockout"
    detail = "An admin cannot disable or demote their own account."


class IdempotencyKeyMismatch(DomainError):
    """The key was already used with a different request."""

    code = "idempotency-mismatch"
    detail = "This Idempotency-Key was already used with a different request."


class IdempotencyInFlight(Conflict):
    code = "idempotency-in-flight"
    detail = "A request with this Idempotency-Key is still being processed."


class DuplicateCoupon(Conflict):
    code = "duplicate-coupon"

    def __init__(self, coupon_code: str) -> None:
        self.coupon_code = coupon_code
        super().__init__(f"A coupon with code {coupon_code} already exists.")


class CouponNotFound(NotFound):
    def __init__(self, coupon_code: str) -> None:
        self.coupon_code = coupon_code
        super().__init__(f"Coupon {coupon_code} does not exist.")


class CouponNotInCart(NotFound):
    def __init__(self, coupon_code: str) -> None:
        self.coupon_code = coupon_code
        super().__init__(f"Coupon {coupon_code} is not in the cart.")


class CouponNotApplicable(DomainError):
    """A coupon cannot go into the cart; `reason` is one of §13's (`NotApplicable`)."""

    code = "coupon-not-applicable"

    def __init__(self, coupon_code: str, reason: str) -> None:
        self.coupon_code = coupon_code
        self.reason = reason
        super().__init__(f"Coupon {coupon_code} does not apply to this cart: {reason}.")


class CouponStoppedApplying(CouponNotApplicable, Conflict):
    """A coupon in the cart no longer applies when the order is placed: nothing changed."""


class QuoteChanged(Conflict):
    """The order's total is not the one the customer expected (prices, stock or coupons
    changed since they looked): nothing changed."""

    code = "quote-changed"

    def __init__(self, expected_total: str, total: str) -> None:
        self.expected_total = expected_total
        self.total = total
        super().__init__(f"The order's total is {total}, not the {expected_total} expected.")
