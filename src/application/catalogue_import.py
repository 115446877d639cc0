"""What an import reports, and how one batch of checked rows lands in the catalogue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from bookstore.application import announcements
from bookstore.application.ports import StorageUnavailable, UnitOfWork
from bookstore.domain.book import Book, ListedBook
from bookstore.domain.errors import FieldError, InvalidInput
from bookstore.domain.inventory import StockMovement

MAX_KEPT_ERRORS = 1000
"""The failed rows a report keeps (every one is still counted, and given to `on_failure`)."""


class OnDuplicate(StrEnum):
    """What a row does whose ISBN is already in the catalogue (or earlier in the file)."""

    SKIP = "skip"
    UPDATE = "update"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class RowFailure:
    """A row that was not imported: its line (the header is line 1), every bad field, and
    the row as read."""

    line: int
    errors: tuple[FieldError, ...]
    cells: tuple[str, ...]
    columns: tuple[str, ...]
    """The file's header, the cells' names."""

    @property
    def message(self) -> str:
        return "; ".join(f"{e.field}: {e.message}" for e in self.errors)


@dataclass(slots=True)
class ImportReport:
    dry_run: bool = False
    columns: tuple[str, ...] = ()
    """The file's header."""
    rows: int = 0
    """The data rows read."""
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[RowFailure] = field(default_factory=list)
    """The first `MAX_KEPT_ERRORS` failed rows."""

    @property
    def summary(self) -> str:
        return (
            f"created {self.created}, updated {self.updated}, "
            f"skipped {self.skipped}, failed {self.failed}"
        )

    def fail(self, failure: RowFailure) -> None:
        self.failed += 1
        if len(self.errors) < MAX_KEPT_ERRORS:
            self.errors.append(failure)


class ImportStopped(InvalidInput):
    """The file could not be read on from `line` (broken CSV, not UTF-8). The report says
    what was done before: every row before that line was imported (or failed, or skipped)
    and nothing from it on."""

    def __init__(self, line: int, reason: str, report: ImportReport) -> None:
        self.line = line
        self.report = report
        done = "checked" if report.dry_run else "imported"
        message = (
            f"{reason}; the rows before line {line} were {done} ({report.summary}) "
            f"and none from line {line} on"
        )
        super().__init__([FieldError(f"line {line}", message)])


class ImportInterrupted(StorageUnavailable):
    """The storage failed while the batch from `line` was written: that batch was rolled
    back, every batch before it was written, and nothing after."""

    def __init__(self, line: int, reason: str, report: ImportReport) -> None:
        self.line = line
        self.report = report
        super().__init__(
            f"{reason}; the rows before line {line} were imported ({report.summary}) "
            f"and none from line {line} on"
        )


@dataclass(frozen=True, slots=True)
class CheckedRow:
    line: int
    listed: ListedBook
    cells: tuple[str, ...]

    @property
    def isbn(self) -> str | None:
        isbn = self.listed.details.isbn
        return None if isbn is None else isbn.value


@dataclass(slots=True)
class BatchOutcome:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failures: list[RowFailure] = field(default_factory=list)


@dataclass(slots=True)
class Batch:
    """One unit of work's share of an import. A dry run looks the ISBNs up and writes
    nothing, remembering the ISBNs it would have created (`planned`) for the rows after."""

    uow: UnitOfWork
    rows: list[CheckedRow]
    on_duplicate: OnDuplicate
    now: datetime
    actor_id: UUID | None
    default_threshold: int
    columns: tuple[str, ...]
    planned: set[str] | None = None
    """None for a real import; the ISBNs a dry run would have created so far."""

    def land(self) -> BatchOutcome:
        outcome = BatchOutcome()
        isbns = {isbn for row in self.rows if (isbn := row.isbn) is not None}
        found: dict[str, Book | None] = dict(self.uow.catalogue.by_isbn(isbns))
        if self.planned is not None:
            found.update((isbn, None) for isbn in isbns & self.planned if isbn not in found)
        movements: list[StockMovement] = []
        relisted: dict[int, Book] = {}
        for row in self.rows:
            isbn = row.isbn
            if isbn is None or isbn not in found:
                book = self._create(row)
                if isbn is not None:
                    found[isbn] = book
                outcome.created += 1
                if book is not None and (movement := book.import_movement(self.actor_id)):
                    movements.append(movement)
            else:
                self._duplicate(row, found[isbn], outcome, movements, relisted)
        if self.planned is None:
            self.uow.inventory.record(movements)
            # Only listed books' stock can come back or run low: a new book's is its first.
            moved = [m for m in movements if m.book_id in relisted]
            announcements.stock_moved(self.uow, moved, relisted)
        return outcome

    def _create(self, row: CheckedRow) -> Book | None:
        if self.planned is not None:
            if row.isbn is not None:
                self.planned.add(row.isbn)
            return None
        threshold = row.listed.low_stock_threshold
        return self.uow.catalogue.add_listed(
            row.listed.details,
            self.now,
            low_stock_threshold=self.default_threshold if threshold is None else threshold,
        )

    def _duplicate(
        self,
        row: CheckedRow,
        book: Book | None,
        outcome: BatchOutcome,
        movements: list[StockMovement],
        relisted: dict[int, Book],
    ) -> None:
        if self.on_duplicate is OnDuplicate.SKIP:
            outcome.skipped += 1
        elif self.on_duplicate is OnDuplicate.FAIL:
            taken = f"{row.isbn} is taken (by a book in the catalogue, or a row above)"
            error = FieldError("isbn", taken)
            outcome.failures.append(RowFailure(row.line, (error,), row.cells, self.columns))
        else:
            outcome.updated += 1
            if self.planned is None and book is not None:  # a dry run changes nothing
                if (movement := book.relist(row.listed, self.now, self.actor_id)) is not None:
                    movements.append(movement)
                    relisted[book.id] = book
                self.uow.books.update(book)


ProgressListener = Callable[[ImportReport], None]
FailureListener = Callable[[RowFailure], None]
