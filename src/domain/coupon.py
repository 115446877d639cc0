"""Coupons: discount codes with the rules a shop actually uses (§13).

A coupon takes a percentage or a fixed amount off the lines it covers (every line, or those of
some genres), within a time window, up to a number of uses in all and per customer. Whether a
coupon applies, and how much it takes off, is one pure function (`price_coupons`) of the cart
at today's prices, the coupons in the order they were added, the time, and the uses so far.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from bookstore.domain.errors import FieldError, InvalidInput
from bookstore.domain.money import Money
from bookstore.domain.values import TextRule

CODE_CHARACTERS = re.compile(r"[A-Z0-9-]{3,32}")
CODE_MAX_LEN = 32
GENRE = TextRule("genres", 1, 100)
MAX_GENRES = 50
MAX_PERCENT = 100
_CODE_RULE = "must be 3 to 32 of A-Z, 0-9 and -"
_PERCENT_RULE = "a percentage must be a whole number from 1 to 100"


class CouponKind(StrEnum):
    PERCENT = "percent"
    FIXED = "fixed"


class NotApplicable(StrEnum):
    """Why a coupon does not apply; when several hold, the first listed here is given."""

    UNKNOWN = "unknown"
    INACTIVE = "inactive"
    NOT_STARTED = "not_started"
    EXPIRED = "expired"
    USED_UP = "used_up"
    ALREADY_USED = "already_used"
    """This customer's uses are spent."""
    EXCLUSIVE_CONFLICT = "exclusive_conflict"
    NO_ELIGIBLE_ITEMS = "no_eligible_items"
    MIN_SUBTOTAL = "min_subtotal"


def coupon_code(text: str) -> str | None:
    """The stored form of a code as a customer typed it (case-insensitive), or None when no
    coupon could ever have it (wrong characters or length)."""
    code = text.strip().upper()
    return code if CODE_CHARACTERS.fullmatch(code) else None


@dataclass(frozen=True, slots=True)
class Coupon:
    code: str
    kind: CouponKind
    value: int
    """A percentage (1 to 100) for `percent`; cents (above 0) for `fixed`."""
    created_at: datetime
    min_subtotal: Money | None = None
    """Compared with the whole cart's subtotal."""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    max_uses: int | None = None
    """Uses by all customers; None: unlimited."""
    max_uses_per_customer: int | None = 1
    exclusive: bool = True
    """An exclusive coupon is the only one in a cart."""
    genres: tuple[str, ...] | None = None
    """None: every line; otherwise only the lines of these genres (case-insensitive)."""
    active: bool = True
    times_used: int = 0
    """Uses by orders not cancelled."""
    _genre_keys: frozenset[str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        errors = _rule_errors(self)
        if errors:
            raise InvalidInput(errors)
        if self.genres is not None:
            object.__setattr__(self, "_genre_keys", frozenset(g.casefold() for g in self.genres))

    @property
    def amount(self) -> Money:
        """The fixed amount of a `fixed` coupon."""
        return Money(self.value)

    def covers(self, genre: str) -> bool:
        return self._genre_keys is None or genre.casefold() in self._genre_keys

    def discount_on(self, eligible: Money) -> Money:
        """What the coupon takes off an eligible subtotal: a percentage rounded half up to the
        cent, or the fixed amount but never more than the subtotal."""
        if self.kind is CouponKind.PERCENT:
            return Money((eligible.cents * self.value + 50) // 100)
        return Money(min(self.value, eligible.cents))

    def barred(self, now: datetime, uses_by_customer: int) -> NotApplicable | None:
        """The first reason, before the cart is looked at, why the coupon does not apply."""
        if not self.active:
            return NotApplicable.INACTIVE
        if self.starts_at is not None and now < self.starts_at:
            return NotApplicable.NOT_STARTED
        if self.ends_at is not None and now >= self.ends_at:
            return NotApplicable.EXPIRED
        if self.max_uses is not None and self.times_used >= self.max_uses:
            return NotApplicable.USED_UP
        limit = self.max_uses_per_customer
        if limit is not None and uses_by_customer >= limit:
            return NotApplicable.ALREADY_USED
        return None


def _rule_errors(coupon: Coupon) -> list[FieldError]:
    errors: list[FieldError] = []
    if CODE_CHARACTERS.fullmatch(coupon.code) is None:
        errors.append(FieldError("code", _CODE_RULE))
    if coupon.kind is CouponKind.PERCENT and not 1 <= coupon.value <= MAX_PERCENT:
        errors.append(FieldError("value", _PERCENT_RULE))
    if coupon.kind is CouponKind.FIXED and coupon.value <= 0:
        errors.append(FieldError("value", "must be greater than 0"))
    if coupon.min_subtotal is not None and coupon.min_subtotal.cents < 0:
        errors.append(FieldError("min_subtotal", "must not be negative"))
    starts, ends = coupon.starts_at, coupon.ends_at
    if starts is not None and ends is not None and ends <= starts:
        errors.append(FieldError("ends_at", "must be after starts_at"))
    for name in ("max_uses", "max_uses_per_customer"):
        limit = getattr(coupon, name)
        if limit is not None and limit < 1:
            errors.append(FieldError(name, "must be a positive integer or null"))
    if coupon.genres is not None:
        if not 1 <= len(coupon.genres) <= MAX_GENRES:
            errors.append(FieldError("genres", f"must list 1 to {MAX_GENRES} genres, or be null"))
        elif not all(GENRE.min_len <= len(g.strip()) <= GENRE.max_len for g in coupon.genres):
            errors.append(FieldError("genres", "each genre must be 1 to 100 characters"))
    return errors


@dataclass(frozen=True, slots=True)
class PricedLine:
    """A cart line at today's price, with its book's genre."""

    book_id: int
    genre: str
    line_total: Money


@dataclass(frozen=True, slots=True)
class CouponOutcome:
    """A coupon in a cart: its discount, or why it does not apply (discount 0.00)."""

    code: str
    discount: Money
    reason: NotApplicable | None = None


def price_coupons(
    lines: Sequence[PricedLine],
    coupons: Sequence[tuple[str, Coupon | None]],
    now: datetime,
    uses_by_customer: Mapping[str, int],
) -> tuple[CouponOutcome, ...]:
    """Each coupon's discount on these lines, or the reason it does not apply.

    `coupons` are the cart's codes in the order they were added, each with its coupon (None
    when no coupon has that code). Each coupon is computed on the subtotal of its eligible
    lines at these prices, independently of the others; then, in the order they were added,
    each gets at most what is left of the cart's subtotal (so the cart's discount never exceeds
    it). Exclusivity is settled in the order of addition too: a coupon conflicts with an
    earlier one that applies otherwise, when either of them is exclusive.
    """
    subtotal = Money(sum(line.line_total.cents for line in lines))
    left = subtotal.cents
    outcomes: list[CouponOutcome] = []
    live: list[Coupon] = []
    for code, coupon in coupons:
        reason, eligible = _reason(coupon, lines, subtotal, now, uses_by_customer, live)
        if coupon is None or reason is not None:
            outcomes.append(CouponOutcome(code, Money.zero(), reason))
            continue
        taken = min(coupon.discount_on(eligible).cents, left)
        left -= taken
        outcomes.append(CouponOutcome(code, Money(taken)))
    return tuple(outcomes)


def _reason(
    coupon: Coupon | None,
    lines: Sequence[PricedLine],
    subtotal: Money,
    now: datetime,
    uses_by_customer: Mapping[str, int],
    live: list[Coupon],
) -> tuple[NotApplicable | None, Money]:
    """Why this coupon does not apply (None if it does), and its eligible subtotal. Adds it
    to `live` (the earlier coupons that count for exclusivity) when only the cart stops it."""
    if coupon is None:
        return NotApplicable.UNKNOWN, Money.zero()
    barred = coupon.barred(now, uses_by_customer.get(coupon.code, 0))
    if barred is not None:
        return barred, Money.zero()
    conflict = any(c.exclusive or coupon.exclusive for c in live)
    live.append(coupon)
    if conflict:
        return NotApplicable.EXCLUSIVE_CONFLICT, Money.zero()
    eligible = Money(sum(line.line_total.cents for line in lines if coupon.covers(line.genre)))
    if eligible.cents == 0:
        return NotApplicable.NO_ELIGIBLE_ITEMS, eligible
    if coupon.min_subtotal is not None and subtotal < coupon.min_subtotal:
        return NotApplicable.MIN_SUBTOTAL, eligible
    return None, eligible


def coupon_value(kind: CouponKind, raw: str | int | Decimal) -> int:
    """A coupon's value as written by an admin: a whole percentage, or a money amount (as a
    string or a number) in cents."""
    if kind is CouponKind.FIXED:
        return Money.parse(raw, "value").cents
    number = Decimal("NaN")
    if isinstance(raw, int | Decimal | str) and not isinstance(raw, bool):
        with suppress(InvalidOperation, ValueError):
            number = Decimal(raw.strip() if isinstance(raw, str) else raw)
    if not number.is_finite() or number != number.to_integral_value():
        raise InvalidInput.single("value", _PERCENT_RULE)
    return int(number)


def check_code(raw: str) -> str:
    """A new coupon's code, stored upper-case; refuses one no customer could type."""
    code = coupon_code(raw)
    if code is None:
        raise InvalidInput.single("code", _CODE_RULE)
    return code
