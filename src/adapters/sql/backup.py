"""Whole-database backups, and restores into an empty database (§16).

- SQLite: the online backup API (`sqlite3.Connection.backup`) copies every page in one step,
  inside one read transaction: a consistent copy of the committed state while the service
  writes (WAL readers never block writers).
- PostgreSQL: `pg_dump --format=custom` (one consistent snapshot) and `pg_restore`, found on
  PATH, run with the password in the environment rather than on the command line.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy import create_engine, exists, inspect, select
from sqlalchemy.engine import URL, make_url

from bookstore.adapters.sql.tables import catalogue_counts, metadata


class BackupFailed(Exception):
    """A backup or restore that could not be done; the message says what to fix."""


def backup_database(url: str, target: Path) -> None:
    """Write a consistent copy of the database at `url` to `target` (replaced if present)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _sqlite_backup(_sqlite_path(parsed), target)
    else:
        _pg_dump(parsed, target)


def restore_database(url: str, source: Path, *, force: bool = False) -> None:
    """Replace the database at `url` with the backup `source`. Refuses a database that holds
    any row (unless `force`): restoring is for an empty one, new or freshly migrated."""
    if not source.is_file():
        raise BackupFailed(f"there is no backup file at {source}")
    parsed = make_url(url)
    if not force and holds_data(url):
        raise BackupFailed(
            "the database holds data: restore into an empty one (no tables, or the schema "
            "with no rows), or pass --force to replace everything in it"
        )
    if parsed.get_backend_name() == "sqlite":
        _sqlite_restore(source, _sqlite_path(parsed))
    else:
        _pg_restore(parsed, source)


def holds_data(url: str) -> bool:
    """Whether any table of the schema exists and has a row of the store's own (the
    catalogue's count, kept by triggers, is derived from the books: not data of its own)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(_sqlite_path(parsed)).exists():
        return False
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            present = set(inspect(conn).get_table_names())
            tables = [
                t for t in metadata.sorted_tables if t.name in present and t is not catalogue_counts
            ]
            return any(conn.scalar(select(exists().select_from(t))) for t in tables)
    finally:
        engine.dispose()


def _sqlite_path(url: URL) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupFailed("an in-memory SQLite database cannot be backed up or restored")
    return url.database


def _sqlite_backup(database: str, target: Path) -> None:
    if not Path(database).is_file():
        raise BackupFailed(f"there is no SQLite database at {database}")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        _copy_sqlite(database, str(partial))
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


_SQLITE_HEADER = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite database file (sqlite.org/fileformat.html)."""


def _sqlite_restore(source: Path, database: str) -> None:
    try:
        with source.open("rb") as file:
            header = file.read(len(_SQLITE_HEADER))
    except OSError as error:
        raise BackupFailed(f"{source} cannot be read: {error}") from error
    if header != _SQLITE_HEADER:
        raise BackupFailed(f"{source} is not a SQLite backup (no SQLite header)")
    _copy_sqlite(str(source), database)


def _copy_sqlite(source: str, target: str) -> None:
    """Every page at once (`pages=-1`), so the copy is one consistent state of the source."""
    src = sqlite3.connect(source)
    try:
        with closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
    except sqlite3.Error as error:
        raise BackupFailed(f"the SQLite backup API failed: {error}") from error
    finally:
        src.close()


def _pg_dump(url: URL, target: Path) -> None:
    _run_client("pg_dump", url, "--format=custom", f"--file={target}", "--no-password")


def _pg_restore(url: URL, source: Path) -> None:
    _run_client(
        "pg_restore",
        url,
        "--no-owner",
        "--no-privileges",
        "--clean",
        "--if-exists",
        "--single-transaction",
        "--exit-on-error",
        "--no-password",
        str(source),
    )


def _run_client(program: str, url: URL, *args: str) -> None:
    found = shutil.which(program)
    if found is None:
        raise BackupFailed(
            f"{program} is not on PATH: install PostgreSQL's client programs (Debian: "
            "postgresql-client) of the server's major version or newer"
        )
    libpq = url.set(drivername="postgresql", password=None)
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    dbname = f"--dbname={libpq.render_as_string(hide_password=False)}"
    done = subprocess.run(  # noqa: S603 (a program found on PATH, arguments we built)
        [found, dbname, *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()
        raise BackupFailed(f"{program} failed: {reason[0] if reason else done.returncode}")
