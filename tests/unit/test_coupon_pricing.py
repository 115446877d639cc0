"""Coupons: their rules, the reason a coupon does not apply, and §13's arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookstore.domain.coupon import (
    Coupon,
    CouponKind,
    PricedLine,
    coupon_code,
    coupon_value,
    price_coupons,
)
from bookstore.domain.errors import InvalidInput
from bookstore.domain.money import Money

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def a_coupon(code: str = "SAVE10", **fields: Any) -> Coupon:
    rules: dict[str, Any] = {"kind": CouponKind.PERCENT, "value": 10, "created_at": NOW}
    return Coupon(code, **(rules | fields))


def line(book_id: int, cents: int, genre: str = "Fiction") -> PricedLine:
    return PricedLine(book_id, genre, Money(cents))


def price(
    lines: list[PricedLine], *coupons: Coupon | None, uses: dict[str, int] | None = None
) -> list[tuple[str, str | None]]:
    pairs = [(c.code if c else "NOPE", c) for c in coupons]
    outcomes = price_coupons(lines, pairs, NOW, uses or {})
    return [(str(o.discount), o.reason.value if o.reason else None) for o in outcomes]


# Codes and rules


def test_codes_are_matched_case_insensitively_and_stored_upper_case() -> None:
    assert coupon_code(" summer-25 ") == "SUMMER-25"


@pytest.mark.parametrize("typed", ["AB", "A" * 33, "SAVE 10", "SAVE_10", "ÉTÉ", ""])
def test_a_code_no_coupon_could_have_is_none(typed: str) -> None:
    assert coupon_code(typed) is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"value": 0}, "value"),
        ({"value": 101}, "value"),
        ({"kind": CouponKind.FIXED, "value": 0}, "value"),
        ({"max_uses": 0}, "max_uses"),
        ({"max_uses_per_customer": 0}, "max_uses_per_customer"),
        ({"starts_at": NOW, "ends_at": NOW}, "ends_at"),
        ({"genres": ()}, "genres"),
        ({"code": "no"}, "code"),
    ],
)
def test_a_coupon_refuses_a_broken_rule_naming_the_field(
    fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        a_coupon(**fields)
    assert [e.field for e in refused.value.errors] == [field]


def test_a_percentage_is_a_whole_number_and_a_fixed_value_is_money() -> None:
    assert coupon_value(CouponKind.PERCENT, "15") == 15
    assert coupon_value(CouponKind.FIXED, "5.50") == 550
    with pytest.raises(InvalidInput):
        coupon_value(CouponKind.PERCENT, "12.5")
    with pytest.raises(InvalidInput):
        coupon_value(CouponKind.FIXED, "1.999")


# Reasons, each alone, then their precedence


@pytest.mark.parametrize(
    ("coupon", "uses", "reason"),
    [
        (None, {}, "unknown"),
        (a_coupon(active=False), {}, "inactive"),
        (a_coupon(starts_at=NOW + timedelta(seconds=1)), {}, "not_started"),
        (a_coupon(ends_at=NOW), {}, "expired"),
        (a_coupon(max_uses=3, times_used=3), {}, "used_up"),
        (a_coupon(max_uses_per_customer=2), {"SAVE10": 2}, "already_used"),
        (a_coupon(genres=("Poetry",)), {}, "no_eligible_items"),
        (a_coupon(min_subtotal=Money(2001)), {}, "min_subtotal"),
    ],
)
def test_each_reason_a_coupon_does_not_apply(
    coupon: Coupon | None, uses: dict[str, int], reason: str
) -> None:
    assert price([line(1, 2000)], coupon, uses=uses) == [("0.00", reason)]


def test_an_empty_cart_has_no_eligible_items() -> None:
    assert price([], a_coupon()) == [("0.00", "no_eligible_items")]


def test_the_first_reason_in_the_list_is_given() -> None:
    coupon = a_coupon(active=False, ends_at=NOW, max_uses=1, times_used=1)
    assert price([], coupon, uses={"SAVE10": 5}) == [("0.00", "inactive")]
    expired_and_used_up = a_coupon(ends_at=NOW, max_uses=1, times_used=1)
    assert price([line(1, 100)], expired_and_used_up) == [("0.00", "expired")]
    assert price([], a_coupon(min_subtotal=Money(100))) == [("0.00", "no_eligible_items")]


def test_an_exclusive_coupon_is_the_only_one_in_a_cart() -> None:
    shared = a_coupon("SHARED", exclusive=False)
    alone = a_coupon("ALONE")
    assert price([line(1, 1000)], shared, alone) == [("1.00", None), ("0.00", "exclusive_conflict")]
    assert price([line(1, 1000)], alone, shared) == [("1.00", None), ("0.00", "exclusive_conflict")]


def test_a_coupon_that_does_not_apply_anyway_takes_no_exclusivity() -> None:
    expired = a_coupon("OLD", ends_at=NOW)
    shared = a_coupon("SHARED", exclusive=False)
    assert price([line(1, 1000)], expired, shared) == [("0.00", "expired"), ("1.00", None)]


def test_an_exclusive_conflict_comes_before_the_cart_is_looked_at() -> None:
    first = a_coupon("FIRST", exclusive=False)
    poetry = a_coupon("POETRY", genres=("Poetry",))
    assert price([line(1, 100)], first, poetry)[1] == ("0.00", "exclusive_conflict")


# Arithmetic


def test_a_percentage_is_rounded_half_up_to_the_cent() -> None:
    assert price([line(1, 5)], a_coupon(value=10)) == [("0.01", None)]  # 0.5 cent
    assert price([line(1, 4)], a_coupon(value=10)) == [("0.00", None)]  # 0.4 cent
    assert price([line(1, 1999)], a_coupon(value=15)) == [("3.00", None)]  # 299.85 cents


def test_a_fixed_amount_is_capped_at_the_eligible_subtotal() -> None:
    fixed = a_coupon(kind=CouponKind.FIXED, value=1500, genres=("poetry",))
    lines = [line(1, 1000, "Poetry"), line(2, 5000, "Fiction")]
    assert price(lines, fixed) == [("10.00", None)]


def test_genres_pick_the_lines_a_coupon_discounts_case_insensitively() -> None:
    lines = [line(1, 1000, "Poetry"), line(2, 3000, "Fiction")]
    assert price(lines, a_coupon(value=50, genres=("POETRY",))) == [("5.00", None)]


def test_min_subtotal_is_compared_with_the_whole_cart() -> None:
    lines = [line(1, 1000, "Poetry"), line(2, 3000, "Fiction")]
    coupon = a_coupon(genres=("Poetry",), min_subtotal=Money(4000))
    assert price(lines, coupon) == [("1.00", None)]


def test_stacked_coupons_each_apply_to_the_undiscounted_amounts() -> None:
    half = a_coupon("HALF", value=50, exclusive=False)
    tenth = a_coupon("TENTH", value=10, exclusive=False)
    assert price([line(1, 1000)], half, tenth) == [("5.00", None), ("1.00", None)]


def test_the_coupon_that_crosses_the_subtotal_gets_what_is_left_and_later_ones_nothing() -> None:
    big = a_coupon("BIG", kind=CouponKind.FIXED, value=800, exclusive=False)
    bigger = a_coupon("BIGGER", kind=CouponKind.FIXED, value=500, exclusive=False)
    small = a_coupon("SMALL", value=10, exclusive=False)
    assert price([line(1, 1000)], big, bigger, small) == [
        ("8.00", None),
        ("2.00", None),
        ("0.00", None),
    ]


# Properties


@st.composite
def carts_and_coupons(draw: st.DrawFn) -> tuple[list[PricedLine], list[Coupon]]:
    genres = ["Fiction", "Poetry", "History"]
    cents = st.integers(min_value=1, max_value=500_000)
    lines = [
        line(n, draw(cents), draw(st.sampled_from(genres))) for n in range(draw(st.integers(0, 5)))
    ]
    coupons = []
    for n in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(CouponKind))
        value = draw(st.integers(1, 100) if kind is CouponKind.PERCENT else cents)
        genre = draw(st.none() | st.lists(st.sampled_from(genres), min_size=1, unique=True))
        minimum = draw(st.none() | cents.map(Money))
        coupons.append(
            a_coupon(
                f"C-{n}",
                kind=kind,
                value=value,
                genres=tuple(genre) if genre else None,
                min_subtotal=minimum,
                exclusive=False,
            )
        )
    return lines, coupons


def _total(lines: list[PricedLine], coupons: list[Coupon]) -> int:
    outcomes = price_coupons(lines, [(c.code, c) for c in coupons], NOW, {})
    assert all(o.discount.cents >= 0 for o in outcomes)
    return sum(o.discount.cents for o in outcomes)


@settings(max_examples=100)
@given(carts_and_coupons(), st.randoms(use_true_random=False))
def test_the_discount_is_never_negative_never_above_the_subtotal_and_order_free(
    drawn: tuple[list[PricedLine], list[Coupon]], random: Any
) -> None:
    lines, coupons = drawn
    subtotal = sum(ln.line_total.cents for ln in lines)
    total = _total(lines, coupons)
    assert 0 <= total <= subtotal
    shuffled = list(coupons)
    random.shuffle(shuffled)
    assert _total(lines, shuffled) == total
