"""The `bookstore` command: serve the API and run the operator's chores."""

from __future__ import annotations

from typing import Any

import click

from bookstore.entrypoints.cli.admin import create_admin
from bookstore.entrypoints.cli.catalogue import export_books, import_books
from bookstore.entrypoints.cli.errors import describe
from bookstore.entrypoints.cli.inventory import inventory
from bookstore.entrypoints.cli.maintenance import db
from bookstore.entrypoints.cli.runtime import Runtime
from bookstore.entrypoints.cli.seed import seed_demo
from bookstore.entrypoints.cli.serve import serve
from bookstore.entrypoints.cli.worker import orders, worker


class BookstoreGroup(click.Group):
    """Reports settings, input and database failures as one line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        runtime = ctx.ensure_object(Runtime)
        try:
            return super().invoke(ctx)
        except Exception as error:
            failure = describe(error, runtime.database_url)
            if failure is None:
                raise
            raise failure from None


@click.group(cls=BookstoreGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Imagine Bookstore: an online bookstore's commerce core and HTTP API.

    Settings come from BOOKSTORE_* environment variables and an optional .env file in the
    working directory (BOOKSTORE_DATABASE_URL, BOOKSTORE_JWT_SECRET, BOOKSTORE_ENV, ...).
    """


for _command in (
    serve,
    db,
    create_admin,
    seed_demo,
    inventory,
    import_books,
    export_books,
    worker,
    orders,
):
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="bookstore")
