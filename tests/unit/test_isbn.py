"""ISBNs: accepted as ISBN-10 or ISBN-13, checked by their check digit, held as 13 digits."""

from __future__ import annotations

from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookstore.domain.errors import InvalidInput
from bookstore.domain.values import Isbn

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


def isbn10_check(first9: str) -> str:
    remainder = -sum((10 - i) * int(c) for i, c in enumerate(first9)) % 11
    return "X" if remainder == 10 else str(remainder)


def isbn13_check(first12: str) -> str:
    weighted = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(first12))
    return str(-weighted % 10)


isbn10s = st.text(alphabet="0123456789", min_size=9, max_size=9).map(
    lambda first9: first9 + isbn10_check(first9)
)
isbn13s = st.tuples(
    st.sampled_from(["978", "979"]), st.text(alphabet="0123456789", min_size=9, max_size=9)
).map(lambda parts: "".join(parts) + isbn13_check("".join(parts)))


ARABIC_INDIC_0306406152 = "".join(chr(0x0660 + int(c)) for c in "0306406152")
FULLWIDTH_9780306406157 = "".join(chr(0xFF10 + int(c)) for c in "9780306406157")


def is_valid_isbn13(value: str) -> bool:
    return (
        len(value) == 13
        and value.isascii()
        and value.isdigit()
        and value[:3] in ("978", "979")
        and isbn13_check(value[:12]) == value[12]
    )


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("9780441172719", "9780441172719"),
        ("978-0-441-17271-9", "9780441172719"),
        ("978 0 441 17271 9", "9780441172719"),
        ("  978-0441172719 ", "9780441172719"),
        ("979-10-90636-07-1", "9791090636071"),
        ("0306406152", "9780306406157"),
        ("0-306-40615-2", "9780306406157"),
        ("0441172717", "9780441172719"),
        ("080442957X", "9780804429573"),
        ("0-8044-2957-x", "9780804429573"),
    ],
)
def test_a_valid_isbn_is_held_as_thirteen_digits(raw: str, normalised: str) -> None:
    assert Isbn.parse(raw) == Isbn(normalised)
    assert str(Isbn.parse(raw)) == normalised


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "978044117271",  # twelve digits
        "97804411727190",  # fourteen digits
        "9780441172718",  # wrong ISBN-13 check digit
        "0306406153",  # wrong ISBN-10 check digit
        "X306406152",  # X anywhere but the check digit
        "1234567890123",  # no 978/979 prefix
        "978-0-441-1727A-9",
        "978_0_441_17271_9",
        "isbn 9780441172719",
    ],
)
def test_an_invalid_isbn_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        Isbn.parse(raw)
    assert [e.field for e in refused.value.errors] == ["isbn"]


@pytest.mark.parametrize(
    "raw",
    [
        ARABIC_INDIC_0306406152,
        "978" + ARABIC_INDIC_0306406152[:9] + "7",  # 9780306406157, mixed digits
        FULLWIDTH_9780306406157,
    ],
    ids=["arabic-indic-isbn10", "mixed-digits-isbn13", "fullwidth-isbn13"],
)
def test_an_isbn_written_with_digits_other_than_0_to_9_is_refused(raw: str) -> None:
    """Otherwise one ISBN could be stored under two spellings and slip past the
    duplicate-ISBN rule, and a non-ASCII value would be returned as "13 digits"."""
    with pytest.raises(InvalidInput):
        Isbn.parse(raw)


@given(isbn10s)
def test_an_isbn10_becomes_a_valid_isbn13_that_reads_back_unchanged(isbn10: str) -> None:
    isbn = Isbn.parse(isbn10)
    assert is_valid_isbn13(isbn.value)
    assert isbn.value.startswith("978")
    assert isbn.value[3:12] == isbn10[:9]
    assert Isbn.parse(isbn.value) == isbn


@given(isbn13s, st.lists(st.sampled_from(["-", " "]), max_size=4), st.randoms())
def test_hyphens_and_spaces_anywhere_do_not_change_an_isbn(
    isbn13: str, separators: list[str], random: Random
) -> None:
    characters = list(isbn13)
    for separator in separators:
        characters.insert(random.randrange(len(characters) + 1), separator)
    assert Isbn.parse("".join(characters)) == Isbn(isbn13)


@given(isbn13s, st.integers(min_value=0, max_value=12), st.integers(min_value=1, max_value=9))
def test_changing_any_one_digit_of_an_isbn13_makes_it_invalid(
    isbn13: str, position: int, shift: int
) -> None:
    changed = str((int(isbn13[position]) + shift) % 10)
    typo = isbn13[:position] + changed + isbn13[position + 1 :]
    if typo[:3] in ("978", "979"):
        with pytest.raises(InvalidInput):
            Isbn.parse(typo)


@given(isbn10s, st.integers(min_value=0, max_value=8))
def test_swapping_two_neighbouring_digits_of_an_isbn10_makes_it_invalid(
    isbn10: str, position: int
) -> None:
    a, b = isbn10[position], isbn10[position + 1]
    swapped = isbn10[:position] + b + a + isbn10[position + 2 :]
    if a != b and "X" not in (a, b):
        with pytest.raises(InvalidInput):
            Isbn.parse(swapped)
