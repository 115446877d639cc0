"""Importing a catalogue from CSV (§16), over the in-memory store: every row checked by the
rules of POST /api/books, bad rows reported with every bad field, good rows written in
batches, duplicates by ISBN skipped, updated or failed, a dry run that writes nothing."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from bookstore.application.catalogue_import import ImportReport, ImportStopped, OnDuplicate
from bookstore.application.use_cases import ImportBooksCommand
from bookstore.domain.errors import Forbidden, InvalidInput
from bookstore.domain.inventory import MovementReason
from bookstore.domain.user import Actor

from .support import Shop

HEADER = "title,author,genre,price,stock,isbn"


def isbn(n: int) -> str:
    """A valid ISBN-13 numbered n."""
    first12 = f"978{n:09d}"
    weighted = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(first12))
    return first12 + str((10 - weighted % 10) % 10)


def run(shop: Shop, text: str, actor: Actor | None = None, **options: object) -> ImportReport:
    command = ImportBooksCommand(actor or shop.root, io.StringIO(text), **options)  # type: ignore[arg-type]
    return shop.app.import_books()(command)


def catalogue(shop: Shop) -> dict[str, tuple[str, int]]:
    """ISBN (or title) -> (title, stock) of every catalogue book."""
    books = shop.storage.state.books.values()
    return {
        (b.details.isbn.value if b.details.isbn else b.title): (b.title, b.stock) for b in books
    }


def test_good_rows_become_books_with_their_stock_as_import_movements(shop: Shop) -> None:
    text = f"{HEADER}\nDune,Frank Herbert,SF,9.99,5,{isbn(1)}\nEmma,Jane Austen,Classic,4.50,0,\n"

    report = run(shop, text)

    assert (report.created, report.updated, report.skipped, report.failed) == (2, 0, 0, 0)
    assert report.summary == "created 2, updated 0, skipped 0, failed 0"
    assert catalogue(shop) == {isbn(1): ("Dune", 5), "Emma": ("Emma", 0)}
    dune = next(b for b in shop.storage.state.books.values() if b.title == "Dune")
    assert [(m.delta, m.reason) for m in shop.movements_of(dune.id)] == [(5, MovementReason.IMPORT)]
    assert shop.reconcile().balanced


def test_columns_come_in_any_order_and_optional_ones_may_be_left_out(shop: Shop) -> None:
    text = (
        "stock,low_stock_threshold,price,genre,published_year,author,description,title\n"
        "3,1,12.00,Poetry,1855,Walt Whitman,Leaves.,Leaves of Grass\n"
    )

    run(shop, text)

    (book,) = shop.storage.state.books.values()
    assert (book.title, book.stock, book.low_stock_threshold) == ("Leaves of Grass", 3, 1)
    assert (book.details.published_year, book.details.description) == (1855, "Leaves.")
    assert str(book.price) == "12.00"


def test_a_byte_order_mark_before_the_header_is_not_part_of_the_first_column(shop: Shop) -> None:
    report = run(shop, "\ufeff" + f"{HEADER}\nDune,Frank Herbert,SF,9.99,5,\n")

    assert report.created == 1


@pytest.mark.parametrize(
    ("header", "problems"),
    [
        ("title,author,genre,price,stock,colour", ["unknown column 'colour'"]),
        ("title,author,genre,stock", ["missing column 'price'"]),
        ("title,title,author,genre,price,stock", ["column 'title' appears twice"]),
        ("colour,author,genre,price", ["unknown column 'colour'", "missing column 'title'",
                                       "missing column 'stock'"]),
        ("", ["the file is empty"]),
    ],
)  # fmt: skip
def test_a_bad_header_refuses_the_file_before_any_row(
    shop: Shop, header: str, problems: list[str]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        run(shop, f"{header}\nDune,Frank Herbert,SF,9.99,5\n" if header else "")

    messages = [e.message for e in refused.value.errors]
    assert all(e.field == "header" for e in refused.value.errors)
    assert len(messages) == len(problems)
    assert all(p in m for p, m in zip(problems, messages, strict=True))
    assert catalogue(shop) == {}


ROW_ERRORS = [
    (",Frank Herbert,SF,9.99,5,", [("title", "is required")]),
    ("   ,Frank Herbert,SF,9.99,5,", [("title", "is required")]),
    ("Dune,,SF,9.99,5,", [("author", "is required")]),
    ("Dune,Frank Herbert,,9.99,5,", [("genre", "is required")]),
    ("Dune,Frank Herbert,SF,,5,", [("price", "is required")]),
    ("Dune,Frank Herbert,SF,9.99,,", [("stock", "is required")]),
    ("Dune,Frank Herbert,SF,0,5,", [("price", "must be more than 0 and less than 1000000")]),
    ("Dune,Frank Herbert,SF,-1.00,5,", [("price", "must be more than 0 and less than 1000000")]),
    ("Dune,Frank Herbert,SF,1.999,5,", [("price", "must have at most two decimals")]),
    ("Dune,Frank Herbert,SF,cheap,5,", [("price", "must be a decimal number such as '12.99'")]),
    ("Dune,Frank Herbert,SF,1e3,5,", [("price", "must be a decimal number such as '12.99'")]),
    ("Dune,Frank Herbert,SF,9.99,-1,", [("stock", "must be between 0 and 1000000")]),
    ("Dune,Frank Herbert,SF,9.99,2.5,", [("stock", "must be a whole number")]),
    ("Dune,Frank Herbert,SF,9.99,many,", [("stock", "must be a whole number")]),
    ("Dune,Frank Herbert,SF,9.99,99999999999999999999,",
     [("stock", "must be between 0 and 1000000")]),
    ("Dune,Frank Herbert,SF,9.99,5,9780000000000",
     [("isbn", "must be a valid ISBN-10 or ISBN-13")]),
    ("Dune,Frank Herbert,SF,9.99,5", [("row", "has 5 cells; the header names 6 columns")]),
    ("Dune,Frank Herbert,SF,9.99,5,,extra",
     [("row", "has 7 cells; the header names 6 columns")]),
    ("x" * 301 + ",Frank Herbert,SF,9.99,5,", [("title", "must be 1 to 300 characters")]),
    ("Du\x07ne,Frank Herbert,SF,9.99,5,", [("title", "must not contain control characters")]),
    (",,,0,-3,123", [("title", "is required"), ("author", "is required"),
                     ("genre", "is required"),
                     ("price", "must be more than 0 and less than 1000000"),
                     ("stock", "must be between 0 and 1000000"),
                     ("isbn", "must be a valid ISBN-10 or ISBN-13")]),
]  # fmt: skip


@pytest.mark.parametrize(("row", "errors"), ROW_ERRORS)
def test_a_bad_row_is_reported_with_every_bad_field_and_the_others_still_import(
    shop: Shop, row: str, errors: list[tuple[str, str]]
) -> None:
    text = f"{HEADER}\nEmma,Jane Austen,Classic,4.50,2,\n{row}\nOk,A,G,1.00,1,\n"

    report = run(shop, text)

    assert (report.created, report.failed) == (2, 1)
    (failure,) = report.errors
    assert failure.line == 3  # the header is line 1
    assert [(e.field, e.message) for e in failure.errors] == errors
    assert set(catalogue(shop)) == {"Emma", "Ok"}


def test_optional_columns_are_checked_too(shop: Shop) -> None:
    text = (
        "title,author,genre,price,stock,published_year,low_stock_threshold,description\n"
        "Dune,F,SF,9.99,5,2200,-1,\x00\n"
    )

    report = run(shop, text)

    assert [(e.field, e.message) for e in report.errors[0].errors] == [
        ("description", "must not contain control characters"),
        ("published_year", "must be between 1 and 2100"),
        ("low_stock_threshold", "must be between 0 and 1000000"),
    ]


def test_a_failed_row_reaches_the_listener_with_its_cells(shop: Shop) -> None:
    seen = []
    run(shop, f"{HEADER}\nDune,F,SF,0,5,\n", on_failure=seen.append)

    (failure,) = seen
    assert failure.cells == ("Dune", "F", "SF", "0", "5", "")
    assert failure.columns == tuple(HEADER.split(","))
    assert failure.message == "price: must be more than 0 and less than 1000000"


def test_blank_lines_are_not_rows_but_count_as_lines(shop: Shop) -> None:
    report = run(shop, f"{HEADER}\n\nDune,F,SF,9.99,5,\n\nEmma,J,C,0,1,\n")

    assert (report.rows, report.created, report.failed) == (2, 1, 1)
    assert report.errors[0].line == 5


def test_quoted_cells_may_hold_commas_quotes_and_new_lines(shop: Shop) -> None:
    text = (
        'title,author,genre,price,stock,description\n"Dune, ""the"" novel",F,SF,9.99,5,"one\ntwo"\n'
    )

    run(shop, text)

    (book,) = shop.storage.state.books.values()
    assert (book.title, book.details.description) == ('Dune, "the" novel', "one\ntwo")


def test_isbn_10_and_hyphens_match_the_same_book(shop: Shop) -> None:
    run(shop, f"{HEADER}\nPride,J,C,1.00,1,0-14-143951-3\n")

    report = run(shop, f"{HEADER}\nPride,J,C,1.00,1,9780141439518\n")

    assert (report.created, report.skipped) == (0, 1)


class TestDuplicates:
    def test_by_default_a_known_isbn_is_skipped_and_the_book_is_left_alone(
        self, shop: Shop
    ) -> None:
        shop.book("Dune", stock=3, isbn=isbn(1))

        report = run(shop, f"{HEADER}\nDune II,F,SF,9.99,50,{isbn(1)}\n")

        assert (report.created, report.skipped) == (0, 1)
        assert catalogue(shop) == {isbn(1): ("Dune", 3)}

    def test_update_replaces_the_details_and_moves_the_stock_by_the_difference(
        self, shop: Shop
    ) -> None:
        dune = shop.book("Dune", stock=3, isbn=isbn(1))

        report = run(
            shop, f"{HEADER}\nDune II,F,SF,9.99,50,{isbn(1)}\n", on_duplicate=OnDuplicate.UPDATE
        )

        assert (report.created, report.updated) == (0, 1)
        assert catalogue(shop) == {isbn(1): ("Dune II", 50)}
        moves = [(m.delta, m.reason) for m in shop.movements_of(dune.id)]
        assert moves == [(3, MovementReason.INITIAL), (47, MovementReason.IMPORT)]
        assert shop.reconcile().balanced

    def test_update_keeps_a_threshold_the_file_does_not_give(self, shop: Shop) -> None:
        shop.book("Dune", stock=3, isbn=isbn(1))
        run(shop, f"{HEADER}\nDune,F,SF,9.99,3,{isbn(1)}\n", on_duplicate=OnDuplicate.UPDATE)
        (book,) = shop.storage.state.books.values()
        assert book.low_stock_threshold == 5
        assert len(shop.movements_of(book.id)) == 1  # the same stock: no movement

    def test_fail_reports_the_row_as_failed(self, shop: Shop) -> None:
        shop.book("Dune", stock=3, isbn=isbn(1))

        report = run(shop, f"{HEADER}\nDune II,F,SF,9.99,50,{isbn(1)}\n", on_duplicate="fail")

        assert (report.created, report.failed) == (0, 1)
        message = report.errors[0].message
        assert message == f"isbn: {isbn(1)} is taken (by a book in the catalogue, or a row above)"

    @pytest.mark.parametrize("batch_rows", [1, 1000])
    def test_an_isbn_twice_in_the_file_is_a_duplicate_of_the_first_row(
        self, shop: Shop, batch_rows: int
    ) -> None:
        text = f"{HEADER}\nDune,F,SF,9.99,5,{isbn(1)}\nDune again,F,SF,9.99,7,{isbn(1)}\n"

        skipped = run(shop, text, batch_rows=batch_rows)
        assert (skipped.created, skipped.skipped) == (1, 1)
        assert catalogue(shop) == {isbn(1): ("Dune", 5)}

    def test_an_isbn_twice_in_the_file_updates_with_the_later_row(self, shop: Shop) -> None:
        text = f"{HEADER}\nDune,F,SF,9.99,5,{isbn(1)}\nDune again,F,SF,9.99,7,{isbn(1)}\n"

        report = run(shop, text, on_duplicate=OnDuplicate.UPDATE)

        assert (report.created, report.updated) == (1, 1)
        assert catalogue(shop) == {isbn(1): ("Dune again", 7)}
        assert shop.reconcile().balanced


class TestDryRun:
    TEXT = (
        f"{HEADER}\nDune II,F,SF,9.99,50,{isbn(1)}\nNew,F,SF,9.99,5,{isbn(2)}\n"
        f"New again,F,SF,9.99,5,{isbn(2)}\nBad,F,SF,0,5,\n"
    )

    @pytest.mark.parametrize("on_duplicate", list(OnDuplicate))
    @pytest.mark.parametrize("batch_rows", [1, 1000])
    def test_a_dry_run_reports_what_the_import_would_do_and_writes_nothing(
        self, on_duplicate: OnDuplicate, batch_rows: int
    ) -> None:
        dry, real = Shop.open(), Shop.open()
        for shop in (dry, real):
            shop.book("Dune", stock=3, isbn=isbn(1))
        before = (catalogue(dry), list(dry.storage.state.movements))

        options = {"on_duplicate": on_duplicate, "batch_rows": batch_rows}
        would = run(dry, self.TEXT, dry_run=True, **options)
        did = run(real, self.TEXT, **options)

        assert (catalogue(dry), list(dry.storage.state.movements)) == before
        assert would.dry_run
        assert (would.created, would.updated, would.skipped, would.failed) == (
            did.created, did.updated, did.skipped, did.failed,
        )  # fmt: skip
        assert [(f.line, f.errors) for f in would.errors] == [
            (f.line, f.errors) for f in did.errors
        ]


def test_rows_are_written_in_batches_and_progress_is_told_after_each(shop: Shop) -> None:
    rows = "".join(f"Book {n},A,G,1.00,{n},\n" for n in range(1, 8))
    seen: list[tuple[int, int]] = []

    run(shop, HEADER + "\n" + rows, batch_rows=3, on_progress=lambda r: seen.append(
        (r.rows, r.created)
    ))  # fmt: skip

    assert seen == [(3, 3), (6, 6), (7, 7)]


def test_a_file_that_breaks_midway_keeps_the_rows_before_and_says_where_it_stopped(
    shop: Shop,
) -> None:
    def lines() -> Iterator[str]:
        yield f"{HEADER}\n"
        for n in range(1, 6):
            yield f"Book {n},A,G,1.00,1,\n"
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    command = ImportBooksCommand(shop.root, lines(), batch_rows=2)
    with pytest.raises(ImportStopped) as stopped:
        shop.app.import_books()(command)

    assert stopped.value.line == 7
    assert stopped.value.report.created == 5
    assert "the file is not UTF-8 text" in stopped.value.detail
    assert "the rows before line 7 were imported (created 5" in stopped.value.detail
    assert len(catalogue(shop)) == 5


def test_a_broken_csv_quote_stops_the_import(shop: Shop) -> None:
    with pytest.raises(ImportStopped) as stopped:
        run(shop, f'{HEADER}\nDune,F,SF,9.99,5,\n"Emma"x,J,C,1.00,1,\n')

    assert stopped.value.line == 3
    assert stopped.value.report.created == 1


def test_only_an_admin_may_import(shop: Shop) -> None:
    with pytest.raises(Forbidden):
        run(shop, f"{HEADER}\nDune,F,SF,9.99,5,\n", actor=shop.customer())
    assert catalogue(shop) == {}


def test_an_unknown_duplicate_policy_is_refused(shop: Shop) -> None:
    with pytest.raises(InvalidInput, match="on_duplicate: must be one of: skip, update, fail"):
        run(shop, f"{HEADER}\nDune,F,SF,9.99,5,\n", on_duplicate="merge")
