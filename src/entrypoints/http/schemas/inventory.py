"""The stock ledger on the wire: movements, an adjustment's body, a reconciliation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from bookstore.domain.inventory import (
    MAX_DELTA,
    NOTE,
    MovementReason,
    Reconciliation,
    StockMovement,
)
from bookstore.domain.pagination import Page
from bookstore.entrypoints.http.schemas.common import PageOut, timestamp

Delta = Annotated[
    int,
    msgspec.Meta(
        ge=-MAX_DELTA,
        le=MAX_DELTA,
        description="Copies added (positive) or taken away (negative); never 0.",
        extra_json_schema={"not": {"const": 0}},
    ),
]
AdjustmentNote = Annotated[
    str, msgspec.Meta(min_length=NOTE.min_len, max_length=NOTE.max_len, description="Why.")
]


class StockAdjustmentRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    delta: Delta
    note: AdjustmentNote


class MovementOut(msgspec.Struct, kw_only=True):
    id: int
    book_id: int
    delta: int
    reason: MovementReason
    order_id: UUID | None
    note: str | None
    actor_id: UUID | None
    at: datetime


class MovementPage(PageOut[MovementOut], kw_only=True):
    items: list[MovementOut]


class MismatchOut(msgspec.Struct, kw_only=True):
    book_id: int
    stock: int
    ledger_sum: int


class ReconciliationOut(msgspec.Struct, kw_only=True):
    books_checked: int
    mismatches: list[MismatchOut]


def movement_out(movement: StockMovement) -> MovementOut:
    if movement.id is None:
        raise ValueError("a movement is shown only once recorded")
    return MovementOut(
        id=movement.id,
        book_id=movement.book_id,
        delta=movement.delta,
        reason=movement.reason,
        order_id=movement.order_id,
        note=movement.note,
        actor_id=movement.actor_id,
        at=timestamp(movement.at),
    )


def movement_page(page: Page[StockMovement]) -> MovementPage:
    return MovementPage.of(page, movement_out)


def reconciliation_out(report: Reconciliation) -> ReconciliationOut:
    return msgspec.convert(report, ReconciliationOut, from_attributes=True)
