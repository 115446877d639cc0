"""The inventory ledger: every change of a book's stock is a movement, never edited or deleted.

A book's stock always equals the sum of its movements' deltas. A movement says why copies
came or went (`reason`), and, for an order's sale or its cancellation, which order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from bookstore.domain.errors import FieldError, InvalidInput
from bookstore.domain.values import FieldErrors, IntRule, TextRule

MAX_DELTA = 1_000_000
"""The stock itself never exceeds this, so no movement can move more."""
DELTA = IntRule("delta", -MAX_DELTA, MAX_DELTA)
NOTE = TextRule("note", 1, 500)


class MovementReason(StrEnum):
    INITIAL = "initial"
    """The stock a book was created with (or, on migration, the stock it had)."""
    ORDER = "order"
    """Copies taken by an order (negative)."""
    CANCELLATION = "cancellation"
    """Copies an order gave back when it was cancelled (positive)."""
    ADJUSTMENT = "adjustment"
    """An admin's change: a restock, a stock count, a correction."""
    IMPORT = "import"
    """Stock set by a catalogue import."""


_ORDER_REASONS = {MovementReason.ORDER: -1, MovementReason.CANCELLATION: 1}
"""The reasons tied to an order, and the sign their deltas must have."""


@dataclass(frozen=True, slots=True)
class StockMovement:
    """One change of one book's stock. `id` is None until storage records it."""

    book_id: int
    delta: int
    reason: MovementReason
    at: datetime
    order_id: UUID | None = None
    actor_id: UUID | None = None
    """Who made the change (the customer for an order), when someone did."""
    note: str | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise InvalidInput(problems)

    @classmethod
    def adjustment(
        cls, *, book_id: int, delta: int, note: str, at: datetime, actor_id: UUID | None
    ) -> StockMovement:
        """An admin's adjustment: a non-zero delta of at most a million copies either way,
        and a note of 1 to 500 characters saying why; every offending field is reported."""
        errors = FieldErrors()
        delta = errors.integer(DELTA, delta)
        if delta == 0:
            errors.add("delta", "must not be zero")
        clean_note = errors.text(NOTE, note)
        errors.raise_if_any()
        return cls(
            book_id, delta, MovementReason.ADJUSTMENT, at, actor_id=actor_id, note=clean_note
        )

    def recorded(self, movement_id: int) -> StockMovement:
        return replace(self, id=movement_id)


def _problems(movement: StockMovement) -> list[FieldError]:
    delta = movement.delta
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        return [FieldError("delta", "must be a non-zero whole number")]
    if abs(delta) > MAX_DELTA:
        return [FieldError("delta", f"must be between {-MAX_DELTA} and {MAX_DELTA}")]
    sign = _ORDER_REASONS.get(movement.reason)
    if (sign is None) != (movement.order_id is None):
        return [FieldError("order_id", f"does not go with the reason '{movement.reason}'")]
    if sign is not None and delta * sign < 0:
        return [FieldError("delta", f"has the wrong sign for the reason '{movement.reason}'")]
    if movement.reason is MovementReason.INITIAL and delta < 0:
        return [FieldError("delta", "an initial stock cannot be negative")]
    if movement.note is not None and len(movement.note) > NOTE.max_len:
        return [FieldError("note", f"must be at most {NOTE.max_len} characters")]
    if movement.at.utcoffset() is None:
        return [FieldError("at", "must be timezone-aware")]
    return []


@dataclass(frozen=True, slots=True)
class StockChange:
    """A movement as it landed: the book's stock before and after it, and the book's
    low-stock threshold then. What the events of §14 need to know."""

    movement: StockMovement
    before: int
    after: int
    low_stock_threshold: int

    @property
    def fell_to_low_stock(self) -> bool:
        """From above the threshold to at or below it (`book.low_stock`)."""
        return self.before > self.low_stock_threshold >= self.after

    @property
    def came_back_in_stock(self) -> bool:
        """From none to some (`book.back_in_stock`; an initial stock is not a return)."""
        return self.before == 0 < self.after and self.movement.reason is not MovementReason.INITIAL


@dataclass(frozen=True, slots=True)
class LedgerMismatch:
    book_id: int
    stock: int
    ledger_sum: int


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """Every book's stock compared with the sum of its movements."""

    books_checked: int
    mismatches: tuple[LedgerMismatch, ...]

    @property
    def balanced(self) -> bool:
        return not self.mismatches
