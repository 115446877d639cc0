"""`bookstore db backup|restore|prune`: keeping the store's data safe and lean (§16)."""

from __future__ import annotations

from pathlib import Path

import click

from bookstore.entrypoints.cli.errors import CommandFailed, mask_url
from bookstore.entrypoints.cli.runtime import MEMORY_URL, Runtime, pass_runtime


def _database_url(runtime: Runtime) -> str:
    url = runtime.settings.database_url
    if url == MEMORY_URL:
        raise CommandFailed("memory:// keeps its data in this process only: nothing to back up")
    return url


@click.command()
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


@click.command()
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


@click.command()
@pass_runtime
def prune(runtime: Runtime) -> None:
    """Delete expired revoked access tokens, expired or revoked refresh tokens and
    idempotency keys past their lifetime, and print how many of each."""
    runtime.migrate()
    report = runtime.container.prune_expired()()
    click.echo(f"Pruned {report.summary}.")
