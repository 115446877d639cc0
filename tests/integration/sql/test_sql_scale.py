"""The catalogue stays fast at 100,000 books: the page queries use indexes, not full scans."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from postgres_support import create_postgres_database, drop_postgres_database, postgres_server_url
from sql_support import T0, recorded_statements
from sqlalchemy import Engine, bindparam, func, select, text

from bookstore.adapters.sql import SqlUnitOfWorkFactory, make_engine, upgrade_database
from bookstore.adapters.sql.tables import books
from bookstore.adapters.sql.types import UtcDateTime
from bookstore.application.queries import BookQuery, BookSort
from bookstore.domain.money import Money

pytestmark = pytest.mark.slow

BOOKS = 100_000
WORDS = ["river", "night", "garden", "empire", "silent", "winter", "shadow", "glass", "iron"]
WORDS += ["song", "house", "storm", "letters", "island", "machine", "mirror", "journey"]
GENRES = ["Fantasy", "Science fiction", "Mystery", "Romance", "History", "Poetry", "Classic"]


def _values(names: list[str]) -> str:
    return ", ".join(f"({n}, '{name}')" for n, name in enumerate(names))


# Generated inside the database, with the same SQL on both: sending 100,000 rows from the
# client would take most of this module's time.
FILL = text(
    f"""
    WITH RECURSIVE
        seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < {BOOKS - 1}),
        words(i, w) AS (VALUES {_values(WORDS)}),
        genres(i, g) AS (VALUES {_values(GENRES)})
    INSERT INTO books (title, author, genre, title_key, author_key, genre_key,
                       price_cents, stock, created_at, updated_at)
    SELECT w1.w || ' ' || w2.w || ' ' || w3.w || ' ' || seq.n,
           w4.w || ' Author' || (seq.n % 5000),
           genres.g,
           lower(w1.w || ' ' || w2.w || ' ' || w3.w || ' ' || seq.n),
           lower(w4.w || ' Author' || (seq.n % 5000)),
           lower(genres.g),
           100 + (seq.n * 37) % 9900,
           (seq.n % 4) * 5,
           :t0,
           :t0
    FROM seq
    JOIN words w1 ON w1.i = seq.n % {len(WORDS)}
    JOIN words w2 ON w2.i = (seq.n / {len(WORDS)}) % {len(WORDS)}
    JOIN words w3 ON w3.i = (seq.n * 7 + 3) % {len(WORDS)}
    JOIN words w4 ON w4.i = (seq.n * 11 + 5) % {len(WORDS)}
    JOIN genres ON genres.i = (seq.n * 13) % {len(GENRES)}
    """
).bindparams(bindparam("t0", T0, type_=UtcDateTime))


def _fill(url: str) -> Engine:
    upgrade_database(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(FILL)
    with engine.begin() as conn:
        assert conn.execute(select(func.count()).select_from(books)).scalar_one() == BOOKS
        conn.exec_driver_sql("ANALYZE")
    return engine


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def big_catalogue(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("scale") / "big.db"
        engine = _fill(f"sqlite:///{path}")
        yield engine
        engine.dispose()
        return
    database = create_postgres_database(postgres_server_url())
    try:
        engine = _fill(database.url)
        yield engine
        engine.dispose()
    finally:
        drop_postgres_database(database)


def _timed_plans(engine: Engine, run: Callable[[], object]) -> tuple[float, list[str]]:
    """Time `run`, then return the plan of every SELECT it issued."""
    with recorded_statements(engine) as seen:
        started = time.perf_counter()
        try:
            run()
        finally:
            elapsed = time.perf_counter() - started
    statements = [(s, p) for s, p in seen if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    plans = []
    with engine.connect() as conn:
        for statement, parameters in statements:
            rows = conn.exec_driver_sql(explain + statement, parameters).all()
            plans.append("\n".join(str(row[-1]) for row in rows))
    return elapsed, plans


def _search(engine: Engine, query: BookQuery) -> Callable[[], object]:
    factory = SqlUnitOfWorkFactory(engine)

    def run() -> object:
        with factory(read_only=True) as uow:
            page = uow.books.search(query)
        assert page.total > 0
        return page

    return run


def _scans_the_whole_table(plan: str) -> bool:
    """A sequential scan of books (PostgreSQL), or a SQLite SCAN of it without an index."""
    lines = [line.strip().lower() for line in plan.splitlines()]
    sequential = [line for line in lines if "seq scan on books " in f"{line} "]
    unindexed = [line for line in lines if re.fullmatch(r"scan books( .*)?", line)]
    return bool(sequential) or any("using" not in line for line in unindexed)


def test_the_first_page_by_title_reads_an_index(big_catalogue: Engine) -> None:
    _search(big_catalogue, BookQuery())()  # warm the caches
    elapsed, plans = _timed_plans(big_catalogue, _search(big_catalogue, BookQuery()))
    page_plan = plans[0]
    assert "ix_books_title_key_sort" in page_plan, page_plan
    assert not _scans_the_whole_table(page_plan), page_plan
    assert "temp b-tree" not in page_plan.lower(), page_plan  # no sort of the whole table
    assert elapsed < 0.5


@pytest.mark.parametrize("words", ["island", "glass mirr", "author42 night"])
def test_text_search_reads_the_full_text_index(big_catalogue: Engine, words: str) -> None:
    query = BookQuery(text=words)
    _search(big_catalogue, query)()
    elapsed, plans = _timed_plans(big_catalogue, _search(big_catalogue, query))
    for plan in plans:
        assert "books_fts" in plan or "ix_books_search_vector" in plan, plan
        assert not _scans_the_whole_table(plan), plan
    assert elapsed < 1.0


@pytest.mark.parametrize(
    "query",
    [
        BookQuery(sort=BookSort.PRICE_DESC),
        BookQuery(sort=BookSort.CREATED_AT_DESC, in_stock=True),
        BookQuery(genre="mystery", min_price=Money(500), max_price=Money(900)),
        BookQuery(title="storm", sort=BookSort.TITLE_DESC),
        BookQuery(text="author42", sort=BookSort.PRICE),
    ],
    ids=["price", "newest-in-stock", "genre-price-range", "title-filter", "text-by-price"],
)
def test_filters_and_sorts_answer_quickly(big_catalogue: Engine, query: BookQuery) -> None:
    _search(big_catalogue, query)()
    elapsed, _ = _timed_plans(big_catalogue, _search(big_catalogue, query))
    assert elapsed < 1.0
