"""Money: exact amounts in integer cents, read from strings, ints or Decimals, never floats."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookstore.domain.errors import InvalidInput
from bookstore.domain.money import Money, total_of


@pytest.mark.parametrize(
    ("raw", "cents"),
    [
        ("12.99", 1299),
        ("12.9", 1290),
        ("12", 1200),
        ("0.01", 1),
        (" 7.50 ", 750),
        ("999999.99", 99_999_999),
        (12, 1200),
        (Decimal("3.10"), 310),
        (Decimal("12.990"), 1299),
    ],
)
def test_an_amount_with_at_most_two_decimals_is_read_exactly(
    raw: str | int | Decimal, cents: int
) -> None:
    assert Money.parse(raw) == Money(cents)


@pytest.mark.parametrize("raw", ["12.999", "0.001", Decimal("1.005")])
def test_an_amount_with_more_than_two_decimals_is_refused(raw: str | Decimal) -> None:
    with pytest.raises(InvalidInput) as refused:
        Money.parse(raw)
    assert [e.field for e in refused.value.errors] == ["price"]
    assert "two decimals" in refused.value.errors[0].message


@pytest.mark.parametrize("raw", [12.99, 0.1, 3.0])
def test_a_float_is_refused_even_when_it_looks_exact(raw: float) -> None:
    with pytest.raises(InvalidInput):
        Money.parse(raw)  # type: ignore[arg-type]


def test_a_decimal_made_from_a_float_is_refused_as_inexact() -> None:
    with pytest.raises(InvalidInput):
        Money.parse(Decimal(0.1))  # noqa: RUF032 - the point of the test


@pytest.mark.parametrize("raw", [True, False, None, [1], "", "abc", "1,50", "12.99 USD"])
def test_something_that_is_not_a_decimal_number_is_refused(raw: object) -> None:
    with pytest.raises(InvalidInput):
        Money.parse(raw)  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", ["NaN", "sNaN", "Infinity", "-Infinity", Decimal("NaN")])
def test_a_number_that_is_not_finite_is_refused(raw: str | Decimal) -> None:
    with pytest.raises(InvalidInput):
        Money.parse(raw)


def test_an_absurdly_large_amount_is_refused_before_any_arithmetic() -> None:
    with pytest.raises(InvalidInput):
        Money.parse("1e400")


def test_the_field_named_in_a_refusal_is_the_one_the_caller_gives() -> None:
    with pytest.raises(InvalidInput) as refused:
        Money.parse("x", "min_price")
    assert refused.value.errors[0].field == "min_price"


@pytest.mark.parametrize(
    ("cents", "text"),
    [(0, "0.00"), (1, "0.01"), (10, "0.10"), (1299, "12.99"), (100_000, "1000.00"), (-5, "-0.05")],
)
def test_an_amount_is_written_with_exactly_two_decimals(cents: int, text: str) -> None:
    assert str(Money(cents)) == text


def test_amounts_add_multiply_and_compare_by_their_cents() -> None:
    assert Money(150) + Money(275) == Money(425)
    assert Money(1299) * 3 == Money(3897)
    assert Money(1) < Money(2) <= Money(2)
    assert total_of([Money(1), Money(2), Money(3)]) == Money(6)
    assert total_of([]) == Money.zero()
    assert Money(1299).to_decimal() == Decimal("12.99")


@given(st.integers(min_value=-(10**17) + 1, max_value=10**17 - 1))
def test_writing_an_amount_and_reading_it_back_gives_the_same_amount(cents: int) -> None:
    assert Money.parse(str(Money(cents))) == Money(cents)


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, max_value=10**12, min_value=-(10**12)
    )
)
def test_any_decimal_with_two_places_is_read_as_its_exact_cents(amount: Decimal) -> None:
    assert Money.parse(str(amount)).to_decimal() == amount


@given(
    st.integers(min_value=0, max_value=10**9),
    st.integers(min_value=1, max_value=9),
)
def test_a_third_decimal_other_than_zero_is_always_refused(cents: int, third: int) -> None:
    with pytest.raises(InvalidInput):
        Money.parse(f"{Money(cents)}{third}")


@pytest.mark.parametrize(
    "raw",
    [
        "1_000",
        "1_0.0_0",
        "".join(chr(0x0660 + int(c)) for c in "12"),  # Arabic-Indic digits
        "".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in "12.50"),  # fullwidth
    ],
    ids=["underscore", "underscores", "arabic-indic", "fullwidth"],
)
def test_an_amount_is_written_with_the_digits_0_to_9_only(raw: str) -> None:
    """Python's Decimal also reads its own literal syntax and every script's digits; a price
    is 'a decimal string such as 12.99' (the same rule the ISBN now follows)."""
    with pytest.raises(InvalidInput):
        Money.parse(raw)


def test_an_amount_with_an_absurd_exponent_is_refused_as_too_large() -> None:
    with pytest.raises(InvalidInput) as refused:
        Money.parse(Decimal("1e999999999"))
    assert refused.value.errors[0].message == "is too large"
