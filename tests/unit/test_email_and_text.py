"""Emails and free text: trimmed, bounded, free of control characters."""

from __future__ import annotations

import pytest

from bookstore.domain.book import DESCRIPTION, TITLE
from bookstore.domain.errors import FieldError, InvalidInput
from bookstore.domain.values import Email, IntRule, TextRule


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("ada@example.com", "ada@example.com"),
        ("  Ada.Lovelace@Example.COM\n", "ada.lovelace@example.com"),
        ("ADA+books@mail.example.co.uk", "ada+books@mail.example.co.uk"),
    ],
)
def test_an_email_is_trimmed_and_lower_cased(raw: str, normalised: str) -> None:
    assert Email.parse(raw) == Email(normalised)
    assert str(Email.parse(raw)) == normalised


def test_two_spellings_of_one_address_are_the_same_email() -> None:
    assert Email.parse("ADA@example.com") == Email.parse(" ada@EXAMPLE.com ")


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "ada",
        "ada@",
        "@example.com",
        "ada@example",
        "ada@@example.com",
        "ada@exa@mple.com",
        "ada lovelace@example.com",
        "ada@example..com",
        "ada@.example.com",
        "ada@example.com.",
        "ada\x00@example.com",
        "ada\x7f@example.com",
    ],
)
def test_something_that_does_not_look_like_an_email_is_refused(raw: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        Email.parse(raw)
    assert [e.field for e in refused.value.errors] == ["email"]


def test_an_email_may_be_254_characters_but_not_255() -> None:
    domain = "@example.com"
    assert len(Email.parse("a" * (254 - len(domain)) + domain).value) == 254
    with pytest.raises(InvalidInput):
        Email.parse("a" * (255 - len(domain)) + domain)


def test_the_length_of_an_email_is_judged_after_trimming() -> None:
    domain = "@example.com"
    assert Email.parse("   " + "a" * (254 - len(domain)) + domain + "   ")


def test_a_text_is_trimmed_and_kept_within_its_length() -> None:
    rule = TextRule("title", 1, 5)
    assert rule.check("  Dune  ") == "Dune"
    assert rule.check("12345") == "12345"
    assert rule.check("123456") == FieldError("title", "must be 1 to 5 characters")
    assert rule.check("   ") == FieldError("title", "must be 1 to 5 characters")


def test_the_catalogue_limits_are_those_of_the_contract() -> None:
    assert (TITLE.min_len, TITLE.max_len) == (1, 300)
    assert TITLE.check("x" * 300) == "x" * 300
    assert isinstance(TITLE.check("x" * 301), FieldError)
    assert DESCRIPTION.check("") == ""


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\n", "\t", "\x85"])
def test_a_single_line_text_refuses_control_characters(control: str) -> None:
    assert TITLE.check(f"Du{control}ne") == FieldError(
        "title", "must not contain control characters"
    )


def test_a_multiline_text_keeps_newlines_and_tabs_but_refuses_other_controls() -> None:
    assert DESCRIPTION.check("First line\r\n\tsecond line") == "First line\r\n\tsecond line"
    assert isinstance(DESCRIPTION.check("bell\x07"), FieldError)


def test_a_whole_number_rule_refuses_booleans_and_non_integers() -> None:
    rule = IntRule("stock", 0, 10)
    assert rule.check(0) == 0
    assert rule.check(10) == 10
    assert rule.check(11) == FieldError("stock", "must be between 0 and 10")
    assert rule.check(-1) == FieldError("stock", "must be between 0 and 10")
    assert rule.check(True) == FieldError("stock", "must be a whole number")
    assert rule.check(2.0) == FieldError("stock", "must be a whole number")  # type: ignore[arg-type]
