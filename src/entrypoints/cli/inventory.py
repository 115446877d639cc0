"""`bookstore inventory ...`: the stock ledger, from the operator's console."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from bookstore.entrypoints.cli.errors import EXIT_FAILURE
from bookstore.entrypoints.cli.runtime import OPERATOR, Runtime, pass_runtime


@click.group()
def inventory() -> None:
    """Check the stock ledger."""


@inventory.command()
@pass_runtime
def reconcile(runtime: Runtime) -> None:
    """Check every book's stock against the sum of its movements.

    Prints what GET /api/admin/inventory/reconcile answers, as JSON: the number of books
    checked and each mismatch. Exits 1 when a stock differs from its ledger. Brings the
    database schema up to date first.
    """
    runtime.migrate()
    report = runtime.container.reconcile_inventory()(OPERATOR)
    mismatches = [asdict(mismatch) for mismatch in report.mismatches]
    click.echo(json.dumps({"books_checked": report.books_checked, "mismatches": mismatches}))
    if not report.balanced:
        books = "book's stock differs" if len(report.mismatches) == 1 else "books' stocks differ"
        click.echo(f"{len(report.mismatches)} {books} from the ledger.", err=True)
        raise SystemExit(EXIT_FAILURE)
