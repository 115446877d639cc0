"""Money: exact amounts in the store currency, held as integer cents."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from bookstore.domain.errors import InvalidInput

_CENT = Decimal("0.01")
_PLAIN_DECIMAL = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
_LARGEST = Decimal(10) ** 15


@dataclass(frozen=True, slots=True, order=True)
class Money:
    cents: int

    @classmethod
    def parse(cls, value: str | int | Decimal, field: str = "price") -> Money:
        """Read an amount with at most two decimals; floats are refused as inexact."""
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            raise InvalidInput.single(field, "must be a decimal string such as '12.99'")
        if isinstance(value, str) and not _PLAIN_DECIMAL.fullmatch(value.strip()):
            raise InvalidInput.single(field, "must be a decimal number such as '12.99'")
        amount = Decimal(value.strip() if isinstance(value, str) else value)
        if not amount.is_finite():
            raise InvalidInput.single(field, "must be a finite number")
        if amount.adjusted() >= _LARGEST.adjusted():
            raise InvalidInput.single(field, "is too large")
        if amount != amount.quantize(_CENT, rounding=ROUND_DOWN):
            raise InvalidInput.single(field, "must have at most two decimals")
        return cls(int(amount * 100))

    @classmethod
    def zero(cls) -> Money:
        return cls(0)

    def __add__(self, other: Money) -> Money:
        return Money(self.cents + other.cents)

    def __sub__(self, other: Money) -> Money:
        return Money(self.cents - other.cents)

    def __mul__(self, quantity: int) -> Money:
        return Money(self.cents * quantity)

    def to_decimal(self) -> Decimal:
        return Decimal(self.cents).scaleb(-2)

    def __str__(self) -> str:
        sign = "-" if self.cents < 0 else ""
        whole, cents = divmod(abs(self.cents), 100)
        return f"{sign}{whole}.{cents:02d}"


def total_of(amounts: list[Money]) -> Money:
    return Money(sum(m.cents for m in amounts))
