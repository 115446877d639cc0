"""`bookstore inventory reconcile`: every stock against its ledger, exit 1 on a mismatch."""

from __future__ import annotations

import json
from uuid import UUID

import pytest
from cli_support import Cli
from sqlalchemy import update

from bookstore.adapters.sql.tables import books
from bookstore.application.use_cases.add_book import AddBookCommand
from bookstore.domain.book import BookDetails
from bookstore.domain.user import Actor, Role
from bookstore.entrypoints.container import Container

pytestmark = pytest.mark.slow

ADMIN = Actor(UUID(int=1), Role.ADMIN)


def test_a_balanced_ledger_exits_0_and_prints_what_the_api_answers(
    cli: Cli, store: Container
) -> None:
    assert cli.run("db", "upgrade").returncode == 0
    for stock in (3, 0):
        details = BookDetails.parse(title="T", author="A", genre="G", price="1.00", stock=stock)
        store.add_book()(AddBookCommand(ADMIN, details))

    result = cli.run("inventory", "reconcile")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"books_checked": 2, "mismatches": []}


def test_a_stock_that_left_its_ledger_exits_1_and_names_the_book(
    cli: Cli, store: Container
) -> None:
    assert cli.run("db", "upgrade").returncode == 0
    details = BookDetails.parse(title="T", author="A", genre="G", price="1.00", stock=3)
    book = store.add_book()(AddBookCommand(ADMIN, details))
    with store.uow().engine.begin() as conn:  # a write past the ledger
        conn.execute(update(books).where(books.c.id == book.id).values(stock=5))

    result = cli.run("inventory", "reconcile")

    assert result.returncode == 1, result.stdout + result.stderr
    assert json.loads(result.stdout) == {
        "books_checked": 1,
        "mismatches": [{"book_id": book.id, "stock": 5, "ledger_sum": 3}],
    }
    assert "differs from the ledger" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_empty_store_is_balanced_after_its_first_migration(cli: Cli) -> None:
    result = cli.run("inventory", "reconcile")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"books_checked": 0, "mismatches": []}
