"""`bookstore import-books`, `export-books` and `db prune` as real processes (§16)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_support import Cli, assert_clean_failure
from sqlalchemy import func, insert, select

from bookstore.adapters.sql.tables import books, revoked_access_tokens, stock_movements
from bookstore.entrypoints.container import Container

pytestmark = pytest.mark.slow

HEADER = "title,author,genre,price,stock,isbn"


def write(cli: Cli, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = cli.workdir / name
    path.write_text(text, encoding=encoding, newline="")
    return path


def test_an_import_prints_the_summary_then_each_failed_row_and_exits_1(
    cli: Cli, store: Container
) -> None:
    path = write(
        cli, "books.csv", f"{HEADER}\nDune,F,SF,9.99,5,9780141439518\n,F,SF,0,5,\nEmma,J,C,1,2,\n",
        encoding="utf-8-sig",  # with a BOM
    )  # fmt: skip

    result = cli.run("import-books", str(path), "--errors", "failed.csv")

    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        "created 2, updated 0, skipped 0, failed 1",
        "line 3: title: is required; price: must be more than 0 and less than 1000000",
    ]
    with (cli.workdir / "failed.csv").open(newline="") as failed:
        assert list(csv.reader(failed)) == [
            [*HEADER.split(","), "error"],
            ["", "F", "SF", "0", "5", "", "title: is required; price: must be more than 0 and "
             "less than 1000000"],
        ]  # fmt: skip
    with store.uow().engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(books)) == 2
        reasons = conn.scalars(select(stock_movements.c.reason).distinct()).all()
    assert reasons == ["import"]
    assert "Traceback" not in result.stderr


def test_a_clean_import_exits_0_and_a_second_skips_every_row(cli: Cli) -> None:
    path = write(cli, "books.csv", f"{HEADER}\nDune,F,SF,9.99,5,9780141439518\n")

    assert cli.run("import-books", str(path)).stdout.strip() == (
        "created 1, updated 0, skipped 0, failed 0"
    )
    again = cli.run("import-books", str(path), "--on-duplicate", "update")
    assert again.returncode == 0
    assert again.stdout.strip() == "created 0, updated 1, skipped 0, failed 0"


def test_a_dry_run_reports_and_writes_nothing(cli: Cli, store: Container) -> None:
    path = write(cli, "books.csv", f"{HEADER}\nDune,F,SF,9.99,5,9780141439518\n")

    result = cli.run("import-books", str(path), "--dry-run")

    assert result.returncode == 0
    assert result.stdout.strip() == (
        "created 1, updated 0, skipped 0, failed 0 (dry run: nothing was written)"
    )
    with store.uow().engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(books)) == 0


def test_a_header_it_cannot_use_exits_2_before_any_row(cli: Cli) -> None:
    path = write(cli, "books.csv", "title,colour\nDune,red\n")

    line = assert_clean_failure(cli.run("import-books", str(path)), 2)

    assert "unknown column 'colour'" in line
    assert "missing column 'price'" in line


def test_a_file_that_breaks_off_says_where_and_what_was_imported(cli: Cli) -> None:
    path = cli.workdir / "books.csv"
    path.write_bytes(f"{HEADER}\nDune,F,SF,9.99,5,\n".encode() + b"\xff\xfe\n")

    result = cli.run("import-books", str(path))

    line = assert_clean_failure(result, 1)
    assert "line 3" in line
    assert "not UTF-8" in line
    assert result.stdout.startswith("created 1, updated 0, skipped 0, failed 0")


def test_progress_goes_to_stderr_as_plain_lines_when_not_a_terminal(cli: Cli) -> None:
    rows = "".join(f"Book {n},A,G,1.00,1,\n" for n in range(3000))
    path = write(cli, "books.csv", f"{HEADER}\n{rows}")

    result = cli.run("import-books", str(path))

    assert result.returncode == 0
    assert "\x1b[" not in result.stderr  # no terminal codes
    assert result.stdout.strip() == "created 3000, updated 0, skipped 0, failed 0"


def test_export_then_import_into_an_empty_store_gives_the_same_catalogue(
    cli: Cli, tmp_path: Path
) -> None:
    text = (
        "isbn,title,author,genre,price,stock,description,published_year,low_stock_threshold\n"
        '9780141439518,"Pride, and ""Prejudice""",Jane Austen,Classic,4.50,3,"Two\nlines",1813,2\n'
        ",Emma,Jane Austen,Classic,1000.00,0,,,5\n"
    )
    cli.run("import-books", str(write(cli, "books.csv", text)))

    exported = cli.run("export-books", "out.csv")
    assert exported.returncode == 0, exported.stderr
    assert (cli.workdir / "out.csv").read_text(encoding="utf-8").replace("\r\n", "\n") == text

    other = Cli(tmp_path / "other", {**cli.settings,
                "BOOKSTORE_DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}"})  # fmt: skip
    other.workdir.mkdir()
    assert other.run("import-books", str(cli.workdir / "out.csv")).returncode == 0
    assert other.run("export-books", "-").stdout.replace("\r\n", "\n") == text


def test_prune_prints_how_many_of_each_it_deleted(cli: Cli, store: Container) -> None:
    assert cli.run("db", "upgrade").returncode == 0
    now = datetime.now(UTC)
    with store.uow().engine.begin() as conn:
        conn.execute(
            insert(revoked_access_tokens),
            [{"token_id": "old", "expires_at": now - timedelta(minutes=1)},
             {"token_id": "live", "expires_at": now + timedelta(minutes=10)}],
        )  # fmt: skip

    result = cli.run("db", "prune")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "Pruned revoked access tokens 1, refresh tokens 0, idempotency keys 0, delivered events 0."
    )
