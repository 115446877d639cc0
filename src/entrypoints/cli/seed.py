"""`bookstore seed-demo`: fill the catalogue with the demo books shipped in the package."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import click

from bookstore.application.queries import BookQuery
from bookstore.application.use_cases.add_book import AddBook, AddBookCommand
from bookstore.application.use_cases.search_books import SearchBooks
from bookstore.domain.book import BookDetails
from bookstore.domain.errors import DuplicateIsbn
from bookstore.domain.pagination import PageRequest
from bookstore.entrypoints.cli.errors import BadInput, mask_url
from bookstore.entrypoints.cli.runtime import OPERATOR, Runtime, is_process_local, pass_runtime

DEMO_BOOKS = "demo_books.json"
BOOK_FIELDS = (
    "title",
    "author",
    "genre",
    "price",
    "stock",
    "isbn",
    "description",
    "published_year",
)


def load_demo_books() -> list[BookDetails]:
    """The demo catalogue shipped as package data, each entry validated by the domain."""
    text = resources.files("bookstore.entrypoints").joinpath(DEMO_BOOKS).read_text("utf-8")
    entries: list[dict[str, Any]] = json.loads(text)
    return [
        BookDetails.parse(**{k: entry[k] for k in BOOK_FIELDS if k in entry}) for entry in entries
    ]


class DemoSeeder:
    """Adds books through the `AddBook` use case, skipping those already catalogued.

    A book is already catalogued when its ISBN is taken; one without an ISBN when a book
    with the same title and author is listed. So seeding twice adds nothing the second time.
    """

    def __init__(self, add_book: AddBook, search_books: SearchBooks) -> None:
        self._add_book = add_book
        self._search = search_books

    def catalogue_size(self) -> int:
        return self._search(BookQuery(page=PageRequest(page=1, page_size=1))).total

    def add(self, details: BookDetails) -> bool:
        """True when the book was added, False when it was already there."""
        if details.isbn is None and self._listed(details):
            return False
        try:
            self._add_book(AddBookCommand(OPERATOR, details))
        except DuplicateIsbn:
            return False
        return True

    def _listed(self, details: BookDetails) -> bool:
        query = BookQuery(title=details.title, author=details.author)
        same = (details.title.casefold(), details.author.casefold())
        return any(
            (book.title.casefold(), book.details.author.casefold()) == same
            for book in self._search(query).items
        )


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the catalogue has any book.")
@pass_runtime
def seed_demo(runtime: Runtime, if_empty: bool) -> None:
    """Load the demo catalogue (a few hundred real books); safe to run again.

    Brings the database schema up to date first.
    """
    _refuse_a_store_no_server_shares(runtime.settings.database_url)
    books = load_demo_books()
    runtime.migrate()
    container = runtime.container
    seeder = DemoSeeder(container.add_book(), container.search_books())
    if if_empty and (size := seeder.catalogue_size()) > 0:
        books_word = "book" if size == 1 else "books"
        click.echo(f"The catalogue already has {size} {books_word}: nothing to do.")
        return
    added = _seed_with_progress(seeder, books)
    if added:
        container.uow().bulk_written()
    click.echo(f"Added {added} demo books; skipped {len(books) - added} already in the catalogue.")


def _refuse_a_store_no_server_shares(url: str) -> None:
    """An in-memory store ends with this command: the books would be loaded for no one."""
    if is_process_local(url):
        raise BadInput(
            f"{mask_url(url)} keeps its data inside this command's process, so the demo books "
            "would vanish as it ends: seed a SQLite file or a PostgreSQL database"
        )


def _seed_with_progress(seeder: DemoSeeder, books: list[BookDetails]) -> int:
    """How many of `books` were added (the others were catalogued already)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("Seeding demo books"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True)) as progress:
        return sum(seeder.add(details) for details in progress.track(books))
