"""The catalogue as a CSV file (§16): its columns, the check of its header, and a row's cells
turned into a listing's fields (and a book back into cells, for the export).

Cells are only turned into the types the domain's rules take: whether a value is acceptable
is `ListedBook.parse`'s to say, by the rules POST /api/books obeys.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from bookstore.domain.book import LISTED_REQUIRED, Book
from bookstore.domain.errors import FieldError, InvalidInput

COLUMNS = (
    "isbn",
    "title",
    "author",
    "genre",
    "price",
    "stock",
    "description",
    "published_year",
    "low_stock_threshold",
)
"""Every column a file may have, in the order the export writes them."""
REQUIRED_COLUMNS = LISTED_REQUIRED
_WHOLE_NUMBER_COLUMNS = frozenset({"stock", "published_year", "low_stock_threshold"})
_WHOLE = re.compile(r"[+-]?[0-9]+")
_MAX_DIGITS = 15
"""Longer numbers are out of every range; they are not converted digit by digit."""
_BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class Header:
    """The columns of a file, in its order."""

    columns: tuple[str, ...]

    @classmethod
    def read(cls, cells: Sequence[str] | None) -> Header:
        """Refuse (`InvalidInput`, field `header`) an empty file, an unknown, repeated or
        missing required column, naming every one."""
        if not cells:
            raise InvalidInput.single(
                "header", "the file is empty: the first line must name the columns"
            )
        names = [cell.strip().lstrip(_BOM).strip() for cell in cells]
        allowed = ", ".join(COLUMNS)
        problems = [
            f"unknown column '{name}' (the columns are: {allowed})"
            for name in names
            if name not in COLUMNS
        ]
        problems += [f"column '{n}' appears twice" for n in COLUMNS if names.count(n) > 1]
        problems += [f"missing column '{n}'" for n in REQUIRED_COLUMNS if n not in names]
        if problems:
            raise InvalidInput([FieldError("header", problem) for problem in problems])
        return cls(tuple(names))

    def fields(self, cells: Sequence[str]) -> dict[str, Any]:
        """A row's cells by column, in the types the domain's rules take: an empty cell is
        None (left out), a whole number is an `int`, anything else the text as written (so
        `stock` = "many" is refused as not a whole number)."""
        if len(cells) != len(self.columns):
            count = f"has {len(cells)} cells; the header names {len(self.columns)} columns"
            raise InvalidInput.single("row", count)
        return {name: _value(name, text) for name, text in zip(self.columns, cells, strict=True)}


def text_lines(lines: Iterable[bytes]) -> Iterator[str]:
    """A UTF-8 file's lines (a BOM dropped), decoded one at a time: bytes that are not UTF-8
    fail on their own line (`UnicodeDecodeError`), not at the edge of a buffer."""
    for number, raw in enumerate(lines):
        yield (raw if number else raw.removeprefix(codecs.BOM_UTF8)).decode("utf-8")


def _value(column: str, text: str) -> Any:
    text = text.strip()
    if not text:
        return None
    if column in _WHOLE_NUMBER_COLUMNS and _WHOLE.fullmatch(text):
        digits = text.lstrip("+-")
        if len(digits) > _MAX_DIGITS:
            return -(10**_MAX_DIGITS) if text.startswith("-") else 10**_MAX_DIGITS
        return int(text)
    return text


def book_cells(book: Book) -> list[str]:
    """A book as a row of `COLUMNS`: what an import reads back into the same book."""
    details = book.details
    return [
        details.isbn.value if details.isbn is not None else "",
        details.title,
        details.author,
        details.genre,
        str(details.price),
        str(details.stock),
        details.description or "",
        "" if details.published_year is None else str(details.published_year),
        str(book.low_stock_threshold),
    ]
