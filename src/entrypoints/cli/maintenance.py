"""`bookstore db ...`: the database schema, and keeping the store's data safe and lean (§16)."""

from __future__ import annotations

from pathlib import Path

import click

from bookstore.entrypoints.cli.errors import CommandFailed, mask_url
from bookstore.entrypoints.cli.runtime import MEMORY_URL, Runtime, pass_runtime


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


def _database_url(runtime: Runtime) -> str:
    url = runtime.settings.database_url
    if url == MEMORY_URL:
        raise CommandFailed("memory:// keeps its data in this process only: nothing to back up")
    return url


@db.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_runtime
def backup(runtime: Runtime, file: Path) -> None:
    """Write a consistent copy of the database to FILE while the service runs.

    SQLite: the online backup API. PostgreSQL: pg_dump's custom format (pg_dump on PATH).
    Every order committed before the backup began is in it.
    """
    from bookstore.adapters.sql.backup import BackupFailed, backup_database

    url = _database_url(runtime)
    try:
        backup_database(url, file)
    except BackupFailed as error:
        raise CommandFailed(str(error)) from None
    click.echo(f"Backed up {mask_url(url)} to {file} ({file.stat().st_size:,} bytes).")


@db.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that holds data.")
@pass_runtime
def restore(runtime: Runtime, file: Path, force: bool) -> None:
    """Restore the backup FILE into the configured database, which must be empty (no tables,
    or the schema with no rows) unless --force. Stop the service first."""
    from bookstore.adapters.sql.backup import BackupFailed, restore_database

    url = _database_url(runtime)
    try:
        restore_database(url, file, force=force)
    except BackupFailed as error:
        raise CommandFailed(str(error)) from None
    runtime.migrate()  # a backup of an older version is brought up to date
    click.echo(f"Restored {file} into {mask_url(url)}.")


@db.command()
@pass_runtime
def prune(runtime: Runtime) -> None:
    """Delete expired revoked access tokens, expired or revoked refresh tokens and
    idempotency keys past their lifetime, and print how many of each."""
    runtime.migrate()
    report = runtime.container.prune_expired()()
    click.echo(f"Pruned {report.summary}.")
