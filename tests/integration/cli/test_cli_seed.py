"""`bookstore seed-demo`: the demo catalogue, loaded through the use cases."""

from __future__ import annotations

from uuid import UUID

import pytest
from cli_support import Cli, assert_clean_failure

from bookstore.application.queries import BookQuery
from bookstore.application.use_cases.add_book import AddBookCommand
from bookstore.domain.book import BookDetails
from bookstore.domain.user import Actor, Role
from bookstore.entrypoints.container import Container

pytestmark = pytest.mark.slow

MIN_DEMO_BOOKS = 200


def catalogue_size(store: Container) -> int:
    return store.search_books()(BookQuery()).total


def test_loads_the_demo_catalogue_once_however_often_it_runs(cli: Cli, store: Container) -> None:
    first = cli.run("seed-demo")
    loaded = catalogue_size(store)
    second = cli.run("seed-demo")

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert loaded >= MIN_DEMO_BOOKS
    assert f"Added {loaded} demo books; skipped 0" in first.stdout
    assert f"Added 0 demo books; skipped {loaded}" in second.stdout
    assert catalogue_size(store) == loaded


def test_the_books_are_searchable(cli: Cli, store: Container) -> None:
    assert cli.run("seed-demo").returncode == 0

    found = store.search_books()(BookQuery(text="tolkien hobbit"))

    assert [book.title for book in found.items][:1] == ["The Hobbit"]


def test_if_empty_seeds_an_empty_catalogue(cli: Cli, store: Container) -> None:
    result = cli.run("seed-demo", "--if-empty")

    assert result.returncode == 0, result.stderr
    assert catalogue_size(store) >= MIN_DEMO_BOOKS


def test_if_empty_leaves_a_catalogue_with_books_alone(cli: Cli, store: Container) -> None:
    assert cli.run("db", "upgrade").returncode == 0
    details = BookDetails.parse(
        title="Our Own Book", author="Us", genre="Local", price="5.00", stock=1
    )
    store.add_book()(AddBookCommand(Actor(UUID(int=1), Role.ADMIN), details))

    result = cli.run("seed-demo", "--if-empty")

    assert result.returncode == 0, result.stderr
    assert "already has 1 book: nothing to do" in result.stdout
    assert catalogue_size(store) == 1


@pytest.mark.parametrize("flags", [(), ("--if-empty",)])
def test_a_memory_store_is_refused_since_no_one_would_ever_see_its_books(
    cli: Cli, flags: tuple[str, ...]
) -> None:
    result = cli.run("seed-demo", *flags, BOOKSTORE_DATABASE_URL="memory://")

    line = assert_clean_failure(result, exit_code=2)
    assert "memory://" in line
    assert "Added" not in result.stdout
