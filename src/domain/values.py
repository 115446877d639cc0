"""Value objects that validate themselves: email, ISBN, and bounded text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from bookstore.domain.errors import FieldError, InvalidInput

T = TypeVar("T")

_EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


@dataclass(frozen=True, slots=True)
class Email:
    """An email address, trimmed and lower-cased so that comparisons ignore case."""

    value: str

    MAX_LEN = 254

    @classmethod
    def parse(cls, raw: str, field: str = "email") -> Email:
        value = raw.strip().lower()
        if not value or len(value) > cls.MAX_LEN:
            raise InvalidInput.single(field, f"must be 1 to {cls.MAX_LEN} characters")
        if not _EMAIL_SHAPE.match(value) or _has_control_characters(value):
            raise InvalidInput.single(field, "must look like an email address")
        return cls(value)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Isbn:
    """An ISBN, accepted as ISBN-10 or ISBN-13 and always held as 13 digits."""

    value: str

    @classmethod
    def parse(cls, raw: str, field: str = "isbn") -> Isbn:
        compact = re.sub(r"[\s-]", "", raw).upper()
        if re.fullmatch(r"[0-9]{9}[0-9X]", compact) and _isbn10_is_valid(compact):
            return cls(_isbn10_to_13(compact))
        if (
            re.fullmatch(r"97[89][0-9]{10}", compact)
            and _isbn13_check_digit(compact[:12]) == compact[12]
        ):
            return cls(compact)
        raise InvalidInput.single(field, "must be a valid ISBN-10 or ISBN-13")

    def __str__(self) -> str:
        return self.value


def _isbn10_is_valid(digits: str) -> bool:
    values = [10 if c == "X" else int(c) for c in digits]
    return sum((10 - i) * v for i, v in enumerate(values)) % 11 == 0


def _isbn13_check_digit(first12: str) -> str:
    weighted = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(first12))
    return str((10 - weighted % 10) % 10)


def _isbn10_to_13(isbn10: str) -> str:
    first12 = "978" + isbn10[:9]
    return first12 + _isbn13_check_digit(first12)


def _has_control_characters(value: str, allow_newlines: bool = False) -> bool:
    allowed = {"\n", "\r", "\t"} if allow_newlines else set()
    return any(unicodedata.category(c) == "Cc" and c not in allowed for c in value)


@dataclass(frozen=True, slots=True)
class TextRule:
    """Bounds for a free-text field: trimmed, within length, no control characters."""

    field: str
    min_len: int
    max_len: int
    multiline: bool = False

    def check(self, raw: str) -> str | FieldError:
        value = raw.strip()
        if not self.min_len <= len(value) <= self.max_len:
            return FieldError(self.field, f"must be {self.min_len} to {self.max_len} characters")
        if _has_control_characters(value, allow_newlines=self.multiline):
            return FieldError(self.field, "must not contain control characters")
        return value


@dataclass(frozen=True, slots=True)
class IntRule:
    field: str
    minimum: int
    maximum: int

    def check(self, value: int) -> int | FieldError:
        if isinstance(value, bool) or not isinstance(value, int):
            return FieldError(self.field, "must be a whole number")
        if not self.minimum <= value <= self.maximum:
            return FieldError(self.field, f"must be between {self.minimum} and {self.maximum}")
        return value


class FieldErrors:
    """Collects every offending field of a request before refusing it once."""

    def __init__(self) -> None:
        self._errors: list[FieldError] = []

    def add(self, field: str, message: str) -> None:
        self._errors.append(FieldError(field, message))

    def text(self, rule: TextRule, raw: str) -> str:
        return self._keep(rule.check(raw), raw)

    def optional_text(self, rule: TextRule, raw: str | None) -> str | None:
        """A text that may be left out: None, or a blank one, is none."""
        return None if raw is None else self.text(rule, raw) or None

    def integer(self, rule: IntRule, value: int) -> int:
        return self._keep(rule.check(value), value)

    def capture(self, parse: Callable[[], T]) -> T | None:
        """Run a value object's parser, keeping its errors instead of raising them."""
        try:
            return parse()
        except InvalidInput as error:
            self._errors.extend(error.errors)
            return None

    def _keep(self, result: T | FieldError, fallback: T) -> T:
        if isinstance(result, FieldError):
            self._errors.append(result)
            return fallback
        return result

    def raise_if_any(self) -> None:
        if self._errors:
            raise InvalidInput(self._errors)

    def require(self, value: T | None) -> T:
        """Raise the collected errors, if any; otherwise the value captured without error."""
        self.raise_if_any()
        if value is None:
            raise InvalidInput([FieldError("request", "is incomplete")])
        return value
