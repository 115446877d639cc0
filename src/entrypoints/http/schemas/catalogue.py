"""The catalogue file on the wire: what an import answers (§16)."""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIType

from bookstore.application.catalogue_file import COLUMNS
from bookstore.application.catalogue_import import MAX_KEPT_ERRORS, ImportReport

CSV_MEDIA_TYPE = "text/csv"
IMPORT_MAX_BODY_BYTES = 20 * 1024 * 1024
"""An import's own body limit; every other route keeps the app's (1 MiB by default)."""


class RowErrorOut(msgspec.Struct, kw_only=True):
    line: int
    """The file's line (the header is line 1)."""
    field: str
    message: str


class ImportResultOut(msgspec.Struct, kw_only=True):
    created: int
    updated: int
    skipped: int
    failed: int
    errors: list[RowErrorOut]
    """Each bad field of each failed row, in file order; at most 1,000."""
    dry_run: bool


def import_result(report: ImportReport) -> ImportResultOut:
    errors = [
        RowErrorOut(line=row.line, field=error.field, message=error.message)
        for row in report.errors
        for error in row.errors
    ][:MAX_KEPT_ERRORS]
    return ImportResultOut(
        created=report.created,
        updated=report.updated,
        skipped=report.skipped,
        failed=report.failed,
        errors=errors,
        dry_run=report.dry_run,
    )


_FILE_DESCRIPTION = (
    "A CSV file, UTF-8 (a BOM is allowed), with a header row naming its columns in any order: "
    "title, author, genre, price, stock (required); isbn, description, published_year, "
    f"low_stock_threshold (optional). At most {IMPORT_MAX_BODY_BYTES // 2**20} MiB."
)


@dataclass
class CsvUpload(Operation):
    """The import's body, documented as the CSV file it is (Litestar documents only the
    bodies it decodes itself)."""

    request_body: RequestBody | None = field(
        default_factory=lambda: RequestBody(
            content={
                CSV_MEDIA_TYPE: OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.STRING, description=_FILE_DESCRIPTION)
                )
            },
            required=True,
            description=_FILE_DESCRIPTION,
        )
    )


EXPORT_COLUMNS = ", ".join(COLUMNS)
