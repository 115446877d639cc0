"""The demo catalogue shipped as package data: real books, every entry valid."""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

import pytest

from bookstore.domain.book import BookDetails
from bookstore.entrypoints.cli.seed import BOOK_FIELDS, load_demo_books

MIN_DEMO_BOOKS = 200


def entries() -> list[dict[str, Any]]:
    text = resources.files("bookstore.entrypoints").joinpath("demo_books.json").read_text()
    data: list[dict[str, Any]] = json.loads(text)
    return data


def isbn13_check_digit(first12: str) -> int:
    return (10 - sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(first12)) % 10) % 10


def test_there_are_enough_books_and_every_one_passes_the_domain_rules() -> None:
    books = load_demo_books()

    assert len(books) >= MIN_DEMO_BOOKS
    assert all(isinstance(book, BookDetails) for book in books)


@pytest.mark.parametrize("entry", entries(), ids=lambda entry: entry["title"])
def test_each_entry_is_complete_and_well_formed(entry: dict[str, Any]) -> None:
    assert tuple(entry) == BOOK_FIELDS
    details = BookDetails.parse(**entry)

    assert re.fullmatch(r"\d{1,3}\.\d{2}", entry["price"])
    assert str(details.price) == entry["price"]
    assert entry["description"].endswith(".")
    assert entry["published_year"] is None or 1500 <= entry["published_year"] <= 2025
    if entry["isbn"] is not None:
        assert re.fullmatch(r"97[89]\d{10}", entry["isbn"])
        assert int(entry["isbn"][12]) == isbn13_check_digit(entry["isbn"][:12])


def test_isbns_and_titles_are_unique() -> None:
    isbns = [e["isbn"] for e in entries() if e["isbn"] is not None]
    titles = [(e["title"], e["author"]) for e in entries()]

    assert len(isbns) == len(set(isbns))
    assert len(titles) == len(set(titles))


def test_the_catalogue_is_varied() -> None:
    genres = {e["genre"] for e in entries()}
    out_of_stock = [e for e in entries() if e["stock"] == 0]

    assert len(genres) >= 10
    assert out_of_stock, "a few books without stock let the in_stock filter show something"
