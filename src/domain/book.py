"""Books: the catalogue entries whose stock the bookstore sells."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from bookstore.domain.errors import InsufficientStock, InvalidInput, Shortage
from bookstore.domain.inventory import MovementReason, StockMovement
from bookstore.domain.money import Money
from bookstore.domain.review import NO_RATING, Rating
from bookstore.domain.values import FieldErrors, IntRule, Isbn, TextRule

TITLE = TextRule("title", 1, 300)
AUTHOR = TextRule("author", 1, 200)
GENRE = TextRule("genre", 1, 100)
DESCRIPTION = TextRule("description", 0, 5000, multiline=True)
STOCK = IntRule("stock", 0, 1_000_000)
PUBLISHED_YEAR = IntRule("published_year", 1, 2100)
LOW_STOCK_THRESHOLD = IntRule("low_stock_threshold", 0, 1_000_000)
DEFAULT_LOW_STOCK_THRESHOLD = 5
MAX_PRICE = Money(1_000_000 * 100 - 1)

PriceInput = str | int | Decimal


class Unset(Enum):
    """Marks a field a partial update leaves as it is (distinct from an explicit null)."""

    UNSET = "UNSET"


UNSET = Unset.UNSET


@dataclass(frozen=True, slots=True)
class BookDetails:
    """The fields of a book an admin writes, validated and normalised."""

    title: str
    author: str
    genre: str
    price: Money
    stock: int
    isbn: Isbn | None = None
    description: str | None = None
    published_year: int | None = None

    @classmethod
    def parse(
        cls,
        *,
        title: str,
        author: str,
        genre: str,
        price: PriceInput,
        stock: int,
        isbn: str | None = None,
        description: str | None = None,
        published_year: int | None = None,
    ) -> BookDetails:
        raw = {
            "title": title,
            "author": author,
            "genre": genre,
            "price": price,
            "stock": stock,
            "isbn": isbn,
            "description": description,
            "published_year": published_year,
        }
        return cls(**_validated(raw))


@dataclass(frozen=True, slots=True)
class BookChanges:
    """A partial update: fields left UNSET keep their value; None clears a nullable field."""

    title: str | Unset = UNSET
    author: str | Unset = UNSET
    genre: str | Unset = UNSET
    price: PriceInput | Unset = UNSET
    stock: int | Unset = UNSET
    isbn: str | Unset | None = UNSET
    description: str | Unset | None = UNSET
    published_year: int | Unset | None = UNSET
    low_stock_threshold: int | Unset = UNSET

    def given(self) -> dict[str, Any]:
        return {
            name: getattr(self, name)
            for name in self.__dataclass_fields__
            if getattr(self, name) is not UNSET
        }

    def check(self) -> None:
        """Refuse what no book may hold, naming every bad field given (InvalidInput)."""
        _validated(self.given())


def check_low_stock_threshold(threshold: int) -> int:
    """A low-stock threshold: a whole number of copies, 0 to 1,000,000."""
    errors = FieldErrors()
    clean = errors.integer(LOW_STOCK_THRESHOLD, threshold)
    errors.raise_if_any()
    return clean


@dataclass(slots=True)
class Book:
    id: int
    details: BookDetails
    created_at: datetime
    updated_at: datetime
    low_stock_threshold: int = DEFAULT_LOW_STOCK_THRESHOLD
    """At or below this stock, the book is low on stock (an inventory setting, not a detail
    the catalogue shows shoppers)."""
    rating: Rating = NO_RATING
    """What its reviews make of it (§15); kept by storage as reviews come and go."""

    @property
    def title(self) -> str:
        return self.details.title

    @property
    def price(self) -> Money:
        return self.details.price

    @property
    def stock(self) -> int:
        return self.details.stock

    @property
    def is_low_on_stock(self) -> bool:
        return self.stock <= self.low_stock_threshold

    def covers(self, quantity: int) -> bool:
        return self.details.stock >= quantity

    def shortage(self, quantity: int) -> Shortage | None:
        if self.covers(quantity):
            return None
        return Shortage(self.id, self.title, requested=quantity, available=self.stock)

    def move(self, movement: StockMovement) -> None:
        """Apply a movement of this book's stock: how the stock changes. Refuses to go below
        zero (`InsufficientStock`) or above the largest stock, changing nothing."""
        if movement.book_id != self.id:
            raise ValueError(f"a movement of book {movement.book_id} applied to book {self.id}")
        after = self.stock + movement.delta
        if after < 0:
            requested = -movement.delta
            raise InsufficientStock([Shortage(self.id, self.title, requested, self.stock)])
        if after > STOCK.maximum:
            raise InvalidInput.single("delta", f"would take stock above {STOCK.maximum}")
        self.details = replace(self.details, stock=after)

    def initial_movement(self, actor_id: UUID | None = None) -> StockMovement | None:
        """The movement that brought a new book's stock (none for a book created with 0)."""
        if self.stock == 0:
            return None
        at = self.created_at
        return StockMovement(self.id, self.stock, MovementReason.INITIAL, at, actor_id=actor_id)

    def relist(
        self, listed: ListedBook, now: datetime, actor_id: UUID | None = None
    ) -> StockMovement | None:
        """Take a catalogue file's listing of this book: its details replace the book's (the
        threshold too, when given), and the stock it lists is an `import` movement of the
        difference from the stock now (None when the stock stays)."""
        target = listed.details.stock
        if listed.low_stock_threshold is not None:
            self.low_stock_threshold = listed.low_stock_threshold
        self.details = replace(listed.details, stock=self.stock)
        self.updated_at = now
        if target == self.stock:
            return None
        movement = StockMovement(
            self.id, target - self.stock, MovementReason.IMPORT, now, actor_id=actor_id
        )
        self.move(movement)
        return movement

    def import_movement(self, actor_id: UUID | None = None) -> StockMovement | None:
        """The movement that brought the stock of a book a catalogue file created (none for
        a stock of 0): `import`, not `initial`."""
        if self.stock == 0:
            return None
        return StockMovement(
            self.id, self.stock, MovementReason.IMPORT, self.created_at, actor_id=actor_id
        )

    def take_stock(self, quantity: int) -> None:
        """Take copies, without a movement: for storage that records the order's movements
        itself, in one batch. Refuses to go below zero."""
        if quantity < 1:
            raise InvalidInput.single("quantity", "must be at least 1")
        short = self.shortage(quantity)
        if short is not None:
            raise InsufficientStock([short])
        self.details = replace(self.details, stock=self.stock - quantity)

    def restock(self, quantity: int) -> None:
        """Add copies, without a movement (storage records the adjustment)."""
        if isinstance(quantity, bool) or quantity <= 0:
            raise InvalidInput.single("quantity", "must be at least 1")
        new_stock = STOCK.check(self.stock + quantity)
        if not isinstance(new_stock, int):
            raise InvalidInput.single("quantity", "would take stock outside 0 to 1000000")
        self.details = replace(self.details, stock=new_stock)

    def apply(
        self, changes: BookChanges, now: datetime, actor_id: UUID | None = None
    ) -> StockMovement | None:
        """Change the fields given. A new stock is an adjustment of the difference from the
        stock now, applied as a movement and returned (None when the stock stays)."""
        clean = _validated(changes.given())
        target = clean.pop("stock", self.stock)
        self.low_stock_threshold = clean.pop("low_stock_threshold", self.low_stock_threshold)
        self.details = replace(self.details, **clean)
        self.updated_at = now
        if target == self.stock:
            return None
        movement = StockMovement(
            self.id,
            target - self.stock,
            MovementReason.ADJUSTMENT,
            now,
            actor_id=actor_id,
            note=f"stock set to {target}",
        )
        self.move(movement)
        return movement


LISTED_REQUIRED = ("title", "author", "genre", "price", "stock")
"""The fields every book must have; the others may be left out (None)."""


@dataclass(frozen=True, slots=True)
class ListedBook:
    """A book as a catalogue file lists it (§16): its details, and its low-stock threshold
    when the file gives one (None: the store's default for a new book, unchanged for one
    already catalogued)."""

    details: BookDetails
    low_stock_threshold: int | None = None

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> ListedBook:
        """Check a listing by the rules of `BookDetails.parse` (one source of truth), naming
        every bad field at once (`InvalidInput`), in field order; a required field that is
        missing or None is named too."""
        errors = FieldErrors()
        clean: dict[str, Any] = {}
        for name, check in _FIELD_CHECKS.items():
            value = raw.get(name)
            if value is not None:
                clean[name] = check(errors, value)
            elif name in LISTED_REQUIRED:
                errors.add(name, "is required")
        errors.raise_if_any()
        threshold = clean.pop("low_stock_threshold", None)
        return cls(BookDetails(**clean), threshold)


def _validated(raw: dict[str, Any]) -> dict[str, Any]:
    """Check the given fields, collecting every error before refusing once."""
    errors = FieldErrors()
    clean = {name: _FIELD_CHECKS[name](errors, value) for name, value in raw.items()}
    errors.raise_if_any()
    return clean


def _check_price(errors: FieldErrors, raw: PriceInput) -> Money | None:
    price = errors.capture(lambda: Money.parse(raw, "price"))
    if price is not None and not Money(0) < price <= MAX_PRICE:
        errors.add("price", "must be more than 0 and less than 1000000")
    return price


_Check = Callable[[FieldErrors, Any], Any]
"""Checks one field's raw value, adding its errors; returns the clean value."""


def _optional(check: _Check) -> _Check:
    """The check of a nullable field: None stays None."""
    return lambda errors, raw: None if raw is None else check(errors, raw)


_FIELD_CHECKS: dict[str, _Check] = {
    "title": lambda errors, raw: errors.text(TITLE, raw),
    "author": lambda errors, raw: errors.text(AUTHOR, raw),
    "genre": lambda errors, raw: errors.text(GENRE, raw),
    "price": _check_price,
    "stock": lambda errors, raw: errors.integer(STOCK, raw),
    "isbn": _optional(lambda errors, raw: errors.capture(lambda: Isbn.parse(raw))),
    "description": lambda errors, raw: errors.optional_text(DESCRIPTION, raw),
    "published_year": _optional(lambda errors, raw: errors.integer(PUBLISHED_YEAR, raw)),
    "low_stock_threshold": lambda errors, raw: errors.integer(LOW_STOCK_THRESHOLD, raw),
}
