from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bookstore.application.authorization import require_admin
from bookstore.application.catalogue_file import Header
from bookstore.application.catalogue_import import (
    Batch,
    BatchOutcome,
    CheckedRow,
    FailureListener,
    ImportInterrupted,
    ImportReport,
    ImportStopped,
    OnDuplicate,
    ProgressListener,
    RowFailure,
)
from bookstore.application.config import StoreConfig
from bookstore.application.ports import Clock, StorageUnavailable, UnitOfWorkFactory
from bookstore.domain.book import ListedBook
from bookstore.domain.errors import DuplicateIsbn, InvalidInput
from bookstore.domain.user import Actor

BATCH_ROWS = 1000
_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class ImportBooksCommand:
    actor: Actor
    lines: Iterable[str]
    """The CSV text, line by line (an open file: it is read as it goes, never held whole)."""
    dry_run: bool = False
    on_duplicate: OnDuplicate = OnDuplicate.SKIP
    on_progress: ProgressListener | None = None
    """Called after every batch with the report so far."""
    on_failure: FailureListener | None = None
    """Called with every failed row, as it is found."""
    batch_rows: int = BATCH_ROWS


class ImportBooks:
    """Load a catalogue from a CSV file (§16).

    - Only an admin may.
    - The header names the columns in any order; an unknown, repeated or missing required
      column refuses the file before any row is read (`InvalidInput`).
    - Each row is checked by the rules of POST /api/books (`ListedBook.parse`); a bad row is
      reported with every bad field and does not stop the others.
    - Rows match catalogue books by ISBN; a match (or an ISBN earlier in the file) is skipped,
      updated or failed (`on_duplicate`). An update replaces the book's details.
    - Good rows are written in batches, each one unit of work: every batch before a failure
      of the storage or of the file is written, and none after (`ImportStopped` says where).
    - Stock set by an import is an `import` movement, for new books too.
    - A dry run checks everything the same way and writes nothing.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, config: StoreConfig | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._threshold = (config or StoreConfig()).low_stock_threshold

    def __call__(self, command: ImportBooksCommand) -> ImportReport:
        require_admin(command.actor)
        _check_on_duplicate(command.on_duplicate)
        report = ImportReport(dry_run=command.dry_run)
        records = _records(command.lines)
        try:
            header = Header.read(next(records, (1, ()))[1])
        except _Unreadable as unreadable:
            raise ImportStopped(unreadable.line, unreadable.reason, report) from unreadable
        report.columns = header.columns
        planned: set[str] | None = set() if command.dry_run else None
        batch: list[CheckedRow] = []
        try:
            for line, cells in records:
                report.rows += 1
                try:
                    listed = ListedBook.parse(header.fields(cells))
                    batch.append(CheckedRow(line, listed, cells))
                except InvalidInput as refused:
                    failure = RowFailure(line, refused.errors, cells, header.columns)
                    self._fail(command, report, failure)
                if len(batch) >= command.batch_rows:
                    self._land(command, header, batch, report, planned)
                    batch = []
        except _Unreadable as unreadable:
            self._land(command, header, batch, report, planned)
            raise ImportStopped(unreadable.line, unreadable.reason, report) from unreadable
        self._land(command, header, batch, report, planned)
        if not command.dry_run and (report.created or report.updated):
            self._uow.bulk_written()
        return report

    def _land(
        self,
        command: ImportBooksCommand,
        header: Header,
        rows: list[CheckedRow],
        report: ImportReport,
        planned: set[str] | None,
    ) -> None:
        if rows:
            try:
                outcome = self._write(command, header, rows, planned)
            except StorageUnavailable as error:
                raise ImportInterrupted(rows[0].line, str(error), report) from error
            report.created += outcome.created
            report.updated += outcome.updated
            report.skipped += outcome.skipped
            for failure in outcome.failures:
                self._fail(command, report, failure)
        if command.on_progress is not None:
            command.on_progress(report)

    def _write(
        self,
        command: ImportBooksCommand,
        header: Header,
        rows: list[CheckedRow],
        planned: set[str] | None,
    ) -> BatchOutcome:
        """One unit of work; again from the start if a concurrent writer took an ISBN."""
        for attempt in range(_ATTEMPTS):
            trial = None if planned is None else set(planned)
            try:
                with self._uow(read_only=command.dry_run) as uow:
                    outcome = Batch(
                        uow, rows, OnDuplicate(command.on_duplicate), self._clock.now(),
                        command.actor.user_id, self._threshold, header.columns, trial,
                    ).land()  # fmt: skip
                    if not command.dry_run:
                        uow.commit()
            except DuplicateIsbn:
                if attempt == _ATTEMPTS - 1:
                    raise
                continue
            if planned is not None and trial is not None:
                planned |= trial
            return outcome
        raise AssertionError("unreachable")  # pragma: no cover

    def _fail(self, command: ImportBooksCommand, report: ImportReport, row: RowFailure) -> None:
        report.fail(row)
        if command.on_failure is not None:
            command.on_failure(row)


Record = tuple[int, tuple[str, ...]]


def _records(lines: Iterable[str]) -> Iterator[Record]:
    """The file's records, numbered from 1 (the header) as a spreadsheet numbers its rows;
    blank lines are left out. A file that cannot be read on raises `_Unreadable`."""
    reader = csv.reader(lines, strict=True)
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as error:
            raise _Unreadable(number + 1, _reason(error)) from error
        number += 1
        if cells:
            yield number, tuple(cells)


def _check_on_duplicate(value: str) -> None:
    if value not in set(OnDuplicate):
        allowed = ", ".join(OnDuplicate)
        raise InvalidInput.single("on_duplicate", f"must be one of: {allowed}")


class _Unreadable(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def _reason(error: Exception) -> str:
    if isinstance(error, UnicodeDecodeError):
        return "the file is not UTF-8 text"
    return f"the CSV cannot be read: {error}"
