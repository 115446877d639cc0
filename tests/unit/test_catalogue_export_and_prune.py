"""The export that an import reads back, and the housekeeping that prunes what expired."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from uuid import uuid4

import pytest

from bookstore.application.catalogue_file import COLUMNS, book_cells
from bookstore.application.ports import IdempotencyRecord, RefreshTokenRecord
from bookstore.application.use_cases import ImportBooksCommand, RemoveBookCommand
from bookstore.application.use_cases.export_books import ExportBooks
from bookstore.domain.book import BookDetails
from bookstore.domain.errors import Forbidden

from .support import Shop
from .test_catalogue_import import isbn


def export_text(shop: Shop) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(book_cells(book) for book in shop.app.export_books()(shop.root))
    return out.getvalue()


def listing(shop: Shop) -> list[tuple[BookDetails, int]]:
    books = sorted(shop.storage.state.books.values(), key=lambda b: b.title)
    return [(b.details, b.low_stock_threshold) for b in books]


def test_export_then_import_into_an_empty_store_gives_the_same_catalogue(shop: Shop) -> None:
    shop.book("Dune", price="9.99", stock=5, isbn=isbn(1), published_year=1965)
    shop.book('Quotes, "commas"', stock=0, description="Two\nlines")
    shop.book("Emma", price="1000.00", stock=7, isbn=isbn(2))
    gone = shop.book("Gone", stock=1)
    shop.app.remove_book()(RemoveBookCommand(shop.root, gone.id))
    text = export_text(shop)

    fresh = Shop.open()
    report = fresh.app.import_books()(ImportBooksCommand(fresh.root, io.StringIO(text)))

    assert (report.created, report.failed) == (3, 0)
    assert listing(fresh) == listing(shop)
    assert fresh.reconcile().balanced


def test_the_export_reads_the_catalogue_a_page_at_a_time(shop: Shop) -> None:
    books = [shop.book(stock=n) for n in range(7)]
    export = ExportBooks(shop.storage, page_rows=3)

    assert [b.id for b in export(shop.root)] == [b.id for b in books]


def test_only_an_admin_may_export(shop: Shop) -> None:
    with pytest.raises(Forbidden):
        shop.app.export_books()(shop.customer())


def test_prune_deletes_what_expired_and_keeps_what_may_still_be_used(shop: Shop) -> None:
    user = shop.register()
    now = shop.clock.now()
    state = shop.storage.state
    state.revoked_access_tokens.update(
        {"old": now - timedelta(seconds=1), "live": now + timedelta(minutes=5)}
    )
    hour = timedelta(hours=1)
    tokens = {
        "expired": RefreshTokenRecord("expired", "f1", user.id, now - hour),
        "revoked": RefreshTokenRecord("revoked", "f2", user.id, now + hour, revoked_at=now),
        "used": RefreshTokenRecord("used", "f3", user.id, now + hour, used_at=now),
        "live": RefreshTokenRecord("live", "f3", user.id, now + hour),
    }
    state.refresh_tokens.update(tokens)
    day = timedelta(hours=24)
    for key, age in (("stale", day + hour), ("fresh", day - hour)):
        record = IdempotencyRecord(user.id, key, "fp", uuid4(), now - age)
        state.idempotency_keys[(user.id, key)] = record

    report = shop.app.prune_expired()()

    assert report.counts == (
        ("revoked_access_tokens", 1),
        ("refresh_tokens", 2),
        ("idempotency_keys", 1),
        ("delivered_events", 0),
    )
    assert report.summary == (
        "revoked access tokens 1, refresh tokens 2, idempotency keys 1, delivered events 0"
    )
    state = shop.storage.state
    assert set(state.revoked_access_tokens) == {"live"}
    assert set(state.refresh_tokens) == {"used", "live"}
    assert [key for _, key in state.idempotency_keys] == ["fresh"]
    assert shop.app.prune_expired()().total == 0
