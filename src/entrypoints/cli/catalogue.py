"""`bookstore import-books` and `bookstore export-books`: the catalogue as a CSV file (§16)."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path
from typing import IO, Any, TextIO

import click

from bookstore.application.catalogue_file import COLUMNS, book_cells, text_lines
from bookstore.application.catalogue_import import (
    ImportInterrupted,
    ImportReport,
    ImportStopped,
    OnDuplicate,
    RowFailure,
)
from bookstore.application.use_cases.import_books import ImportBooksCommand
from bookstore.entrypoints.cli.errors import EXIT_FAILURE, CommandFailed
from bookstore.entrypoints.cli.progress import CountingReader, RowProgress
from bookstore.entrypoints.cli.runtime import OPERATOR, Runtime, pass_runtime


class FailedRows:
    """Failed rows as they come: their lines spooled to a temporary file (printed after the
    summary, however many there are), and the rows themselves in `--errors FILE`."""

    def __init__(self, errors_file: Path | None) -> None:
        self._lines: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self._path = errors_file
        self._out: TextIO | None = None
        self._writer: Any = None  # a csv writer

    def __call__(self, failure: RowFailure) -> None:
        self._lines.write(f"line {failure.line}: {failure.message}\n")
        if self._path is not None:
            self._open(self._path, failure.columns).writerow([*failure.cells, failure.message])

    def _open(self, path: Path, columns: tuple[str, ...]) -> Any:
        if self._writer is None:
            self._out = path.open("w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._out)
            self._writer.writerow([*columns, "error"])
        return self._writer

    def finish(self, report: ImportReport) -> None:
        """Print every failed row's line; write the errors file's header if none failed."""
        if self._path is not None:
            self._open(self._path, report.columns)
        if self._out is not None:
            self._out.close()
        self._lines.seek(0)
        for line in self._lines:
            click.echo(line, nl=False)
        self._lines.close()


@click.command("import-books")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and report everything; write nothing.")
@click.option(
    "--on-duplicate",
    type=click.Choice([policy.value for policy in OnDuplicate]),
    default=OnDuplicate.SKIP.value,
    show_default=True,
    help="What a row does whose ISBN is already catalogued (or on a row above).",
)
@click.option(
    "--errors",
    "errors_file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the failed rows here, as CSV with an `error` column.",
)
@pass_runtime
def import_books(
    runtime: Runtime, file: Path, dry_run: bool, on_duplicate: str, errors_file: Path | None
) -> None:
    """Load books from FILE, a CSV file with a header row (UTF-8, with or without a BOM).

    Columns, in any order: title, author, genre, price, stock (required); isbn, description,
    published_year, low_stock_threshold (optional). Rows are checked as POST /api/books
    checks a body and match catalogued books by ISBN. Ends with `created N, updated N,
    skipped N, failed N` and a line per failed row. Exits 0 when no row failed, 1 when some
    did, 2 for a header it cannot use. Brings the database schema up to date first.
    """
    runtime.migrate()
    failed = FailedRows(errors_file)
    with file.open("rb") as raw:
        reader = CountingReader(raw)
        lines = text_lines(io.BufferedReader(reader))
        with RowProgress(reader, os.fstat(raw.fileno()).st_size, f"Importing {file.name}") as bar:
            command = ImportBooksCommand(
                OPERATOR,
                lines,
                dry_run=dry_run,
                on_duplicate=OnDuplicate(on_duplicate),
                on_progress=lambda report: bar.update(report.rows),
                on_failure=failed,
            )
            try:
                report = runtime.container.import_books()(command)
            except ImportStopped as stopped:
                _summarise(stopped.report, failed)
                raise CommandFailed(f"the import stopped at {stopped.detail}") from None
            except ImportInterrupted as interrupted:
                _summarise(interrupted.report, failed)
                where = f"line {interrupted.line}: the database failed"
                raise CommandFailed(f"the import stopped at {where} ({interrupted})") from None
    _summarise(report, failed)
    if report.failed:
        raise SystemExit(EXIT_FAILURE)


def _summarise(report: ImportReport, failed: FailedRows) -> None:
    note = " (dry run: nothing was written)" if report.dry_run else ""
    click.echo(report.summary + note)
    failed.finish(report)


@click.command("export-books")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@pass_runtime
def export_books(runtime: Runtime, file: Path) -> None:
    """Write the whole catalogue to FILE as CSV, in the columns `import-books` reads ("-" for
    standard output). Importing it into an empty store gives the same catalogue."""
    runtime.migrate()
    books = runtime.container.export_books()(OPERATOR)
    count = 0
    with click.open_file(str(file), "w", encoding="utf-8", lazy=False) as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for book in books:
            writer.writerow(book_cells(book))
            count += 1
    where = "standard output" if str(file) == "-" else str(file)
    click.echo(f"Exported {count} books to {where}.", err=True)
