"""`bookstore db upgrade`, and how every command reports a database it cannot use."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
from cli_support import Cli, assert_clean_failure
from postgres_support import create_postgres_database, drop_postgres_database, postgres_server_url

pytestmark = pytest.mark.slow

UNREACHABLE = "postgresql+psycopg://nobody:s3cret-pw@127.0.0.1:1/x"


def table_names(database: Path) -> set[str]:
    with sqlite3.connect(database) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    conn.close()
    return {name for (name,) in rows}


def test_db_upgrade_creates_the_tables_and_can_run_again(cli: Cli) -> None:
    first = cli.run("db", "upgrade")
    second = cli.run("db", "upgrade")

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "up to date" in first.stdout
    tables = table_names(cli.workdir / "bookstore.db")
    assert {"books", "users", "orders", "alembic_version"} <= tables


def test_db_upgrade_uses_a_sqlite_file_in_the_working_directory_by_default(cli: Cli) -> None:
    result = cli.run("db", "upgrade", BOOKSTORE_DATABASE_URL="sqlite:///./default.db")

    assert result.returncode == 0, result.stderr
    assert "books" in table_names(cli.workdir / "default.db")


def test_db_upgrade_has_nothing_to_do_in_memory(cli: Cli) -> None:
    result = cli.run("db", "upgrade", BOOKSTORE_DATABASE_URL="memory://")

    assert result.returncode == 0, result.stderr
    assert "Nothing to migrate" in result.stdout


@pytest.mark.parametrize(
    "command",
    [("db", "upgrade"), ("seed-demo",), ("create-admin", "ada@example.com"), ("serve",)],
)
def test_an_unreachable_database_is_one_line_with_the_password_masked(
    cli: Cli, command: tuple[str, ...]
) -> None:
    result = cli.run(*command, BOOKSTORE_DATABASE_URL=UNREACHABLE)

    line = assert_clean_failure(result, exit_code=1)
    assert line.startswith(
        "Error: cannot reach the database at postgresql+psycopg://nobody:***@127.0.0.1:1/x: "
    )
    assert "s3cret-pw" not in result.stdout + result.stderr


@pytest.mark.postgres
def test_a_migration_that_waits_too_long_for_a_lock_says_the_database_is_busy(
    tmp_path: Path,
) -> None:
    """It gives up after the lock timeout (5 s) rather than queue for the lock, where it
    would hold up every request behind it."""
    database = create_postgres_database(postgres_server_url(), prefix="bookstore_busy")
    try:
        cli = Cli(tmp_path, {"BOOKSTORE_DATABASE_URL": database.url})
        assert cli.run("db", "upgrade").returncode == 0
        with psycopg.connect(database.url.replace("+psycopg", "", 1)) as holder:
            holder.execute("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE")
            result = cli.run("db", "upgrade")

        line = assert_clean_failure(result, exit_code=1)
        assert line.startswith(f"Error: the database at {database.url} is busy: "), line
        assert "lock timeout" in line
        assert cli.run("db", "upgrade").returncode == 0  # once the lock is gone
    finally:
        drop_postgres_database(database)


def test_a_database_file_that_cannot_be_opened_is_reported(cli: Cli) -> None:
    url = f"sqlite:///{cli.workdir / 'missing-dir' / 'x.db'}"

    result = cli.run("db", "upgrade", BOOKSTORE_DATABASE_URL=url)

    assert "cannot reach the database at sqlite:///" in assert_clean_failure(result, 1)


@pytest.mark.parametrize(
    "url", ["mysql://someone@db/shop", "not a url", "postgresql://u:pw@db:port/x", "sqlite://"]
)
def test_a_database_url_no_adapter_serves_is_a_settings_error(cli: Cli, url: str) -> None:
    result = cli.run("db", "upgrade", BOOKSTORE_DATABASE_URL=url)

    assert "BOOKSTORE_DATABASE_URL" in assert_clean_failure(result, exit_code=2)
