"""`bookstore db ...`: the database schema."""

from __future__ import annotations

import click

from bookstore.entrypoints.cli.errors import mask_url
from bookstore.entrypoints.cli.runtime import Runtime, pass_runtime


@click.group()
def db() -> None:
    """Manage the database schema."""


@db.command()
@pass_runtime
def upgrade(runtime: Runtime) -> None:
    """Apply every pending migration (nothing to do for memory://)."""
    url = mask_url(runtime.settings.database_url)
    if runtime.migrate():
        click.echo(f"Database at {url} is up to date.")
    else:
        click.echo(f"Nothing to migrate: {url} keeps its data in memory.")
