"""The catalogue as a CSV file, for admins: import with a report per row, export streamed."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.concurrency import sync_to_thread
from litestar.datastructures import State
from litestar.params import Parameter
from litestar.response import Stream

from bookstore.application.catalogue_file import COLUMNS, book_cells, text_lines
from bookstore.application.catalogue_import import OnDuplicate
from bookstore.application.use_cases.import_books import ImportBooksCommand
from bookstore.domain.book import Book
from bookstore.entrypoints.http.dependencies import InjectedActor, container_of
from bookstore.entrypoints.http.problems import problems
from bookstore.entrypoints.http.requests import UnsupportedMediaType
from bookstore.entrypoints.http.schemas.catalogue import (
    CSV_MEDIA_TYPE,
    EXPORT_COLUMNS,
    IMPORT_MAX_BODY_BYTES,
    CsvUpload,
    ImportResultOut,
    import_result,
)
from bookstore.entrypoints.http.security import AdminController

EXPORT_CHUNK_BOOKS = 500


class AdminCatalogueController(AdminController):
    path = "/api/admin/books"

    @post(
        "/import",
        operation_id="importBooks",
        operation_class=CsvUpload,
        request_max_body_size=IMPORT_MAX_BODY_BYTES,
        status_code=200,
        responses=problems(400, 401, 403, 413, 415),
    )
    async def import_books(
        self,
        request: Request[Any, Any, Any],
        state: State,
        actor: InjectedActor,
        dry_run: Annotated[
            bool, Parameter(description="Check and report everything; write nothing.")
        ] = False,
        on_duplicate: Annotated[
            OnDuplicate, Parameter(description="What a row does whose ISBN is already catalogued.")
        ] = OnDuplicate.SKIP,
    ) -> ImportResultOut:
        """Load books from a CSV file (`Content-Type: text/csv`, up to 20 MiB). Each row is
        checked as POST /api/books checks a body; a bad row does not stop the others and is
        listed with each bad field (`line` counts the header as 1). Rows match catalogued
        books by ISBN. Stock is recorded as `import` movements. A file whose header cannot be
        used, or that breaks off, is a 400 (the rows before the break were imported)."""
        if request.content_type[0].lower() != CSV_MEDIA_TYPE:
            raise UnsupportedMediaType(detail=f"Send the file as {CSV_MEDIA_TYPE}.")
        lines = text_lines(io.BytesIO(await request.body()))
        command = ImportBooksCommand(actor, lines, dry_run=dry_run, on_duplicate=on_duplicate)
        report = await sync_to_thread(container_of(state).import_books(), command)
        return import_result(report)

    @get(
        "/export",
        operation_id="exportBooks",
        media_type=CSV_MEDIA_TYPE,
        response_description=f"The catalogue as CSV, with the columns {EXPORT_COLUMNS}.",
        responses=problems(401, 403),
    )
    async def export_books(self, state: State, actor: InjectedActor) -> Stream:
        """The whole catalogue as a CSV file, streamed, in the columns the import reads:
        importing it into an empty store gives the same catalogue."""
        books = container_of(state).export_books()(actor)
        return Stream(
            _csv_chunks(books),
            media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="books.csv"'},
        )


def _csv_chunks(books: Iterator[Book]) -> Iterator[str]:
    """The header, then the rows a few hundred books at a time (each chunk read on a worker
    thread by the response, since reading a page may wait for the database)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for count, book in enumerate(books, 1):
        writer.writerow(book_cells(book))
        if count % EXPORT_CHUNK_BOOKS == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()
