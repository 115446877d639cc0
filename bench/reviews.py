"""`make bench-reviews`: the §15 reads in one process on a large store, p50 and p95 per call.

    python bench/reviews.py                                  # 100,000 books and orders
    python bench/reviews.py --books 20000 --orders 20000 --repeat 50
    python bench/reviews.py --pg-url postgresql+psycopg://USER@127.0.0.1/DB   # + PostgreSQL

The catalogue is the benchmark kit's (bench/catalogue.py); then customers, orders of 1 to 5
books (book popularity skewed: the first book is in about one order in ten, most books in a
handful; one order in ten cancelled) and ratings for a third of the books, written in bulk. Each
scenario calls the real use case on `SqlUnitOfWorkFactory`, as the HTTP handlers do.

Facet counts a SQLite reader remembers while the database is unchanged; the `cold` rows
commit a write from another connection before every call, so each one counts afresh.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import catalogue  # noqa: E402

SEED = 17
CUSTOMERS = 20_000


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def fill(url: str, books: int, orders: int) -> tuple[list[int], list[UUID]]:
    """The catalogue, customers, orders and ratings; the book ids and customer ids."""
    from sqlalchemy import insert, select

    from bookstore.adapters.sql import SqlUnitOfWorkFactory, make_engine
    from bookstore.adapters.sql.tables import books as books_table
    from bookstore.adapters.sql.tables import order_lines, users
    from bookstore.adapters.sql.tables import orders as orders_table
    from bookstore.domain.review import RatingChange

    catalogue.build(url, books, quiet=True)
    engine = make_engine(url)
    rnd = random.Random(SEED)
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:
            book_ids = list(conn.scalars(select(books_table.c.id).order_by(books_table.c.id)))
            customers = [uuid4() for _ in range(CUSTOMERS)]
            conn.execute(insert(users), [_user(n, c, now) for n, c in enumerate(customers)])
        started = time.perf_counter()
        for start in range(0, orders, 10_000):
            heads, lines = [], []
            for _ in range(start, min(orders, start + 10_000)):
                order_id = uuid4()
                status = "cancelled" if rnd.random() < 0.1 else rnd.choice(["paid", "delivered"])
                heads.append(_order(order_id, rnd.choice(customers), status, now))
                chosen = {book_ids[int(len(book_ids) * rnd.random() ** 3)] for _ in range(5)}
                picked = rnd.sample(sorted(chosen), rnd.randint(1, len(chosen)))
                lines += [_line(order_id, n, book) for n, book in enumerate(picked, 1)]
            with engine.begin() as conn:
                conn.execute(insert(orders_table), heads)
                conn.execute(insert(order_lines), lines)
        say(f"{orders:,} orders in {time.perf_counter() - started:.1f} s")
        factory = SqlUnitOfWorkFactory(engine)
        rated = rnd.sample(book_ids, len(book_ids) // 3)
        for start in range(0, len(rated), 5_000):
            with factory() as uow:
                for book_id in rated[start : start + 5_000]:
                    for _ in range(rnd.randint(1, 4)):
                        uow.books.change_rating(book_id, RatingChange.added(rnd.randint(1, 5)))
                uow.commit()
        factory.bulk_written()
    finally:
        engine.dispose()
    return book_ids, customers


def _user(n: int, user_id: UUID, now: datetime) -> dict[str, Any]:
    return {
        "id": user_id,
        "email": f"bench-reader-{n}@example.com",
        "full_name": "",
        "role": "customer",
        "is_active": True,
        "password_hash": "x",
        "created_at": now,
    }


def _order(order_id: UUID, user_id: UUID, status: str, now: datetime) -> dict[str, Any]:
    return {"id": order_id, "user_id": user_id, "status": status, "total_cents": 1000,
            "created_at": now}  # fmt: skip


def _line(order_id: UUID, line_no: int, book_id: int) -> dict[str, Any]:
    return {"order_id": order_id, "line_no": line_no, "book_id": book_id, "title": "t",
            "unit_price_cents": 1000, "quantity": 1}  # fmt: skip


def timed(calls: list[Callable[[], Any]], before: Callable[[], None] | None = None) -> str:
    seconds = []
    for call in calls:
        if before is not None:
            before()
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    p50 = statistics.median(seconds) * 1000
    p95 = seconds[int(len(seconds) * 0.95) - 1] * 1000
    return f"{p50:8.2f} {p95:8.2f}"


def measure(url: str, book_ids: list[int], customers: list[UUID], repeat: int) -> None:
    from bookstore.adapters.sql import SqlUnitOfWorkFactory, make_engine
    from bookstore.application.queries import BookQuery, BookSort
    from bookstore.application.use_cases.facet_books import SearchBooksWithFacets
    from bookstore.application.use_cases.recommend_books import (
        AlsoBought,
        AlsoBoughtQuery,
        RecommendBooks,
        RecommendBooksCommand,
    )
    from bookstore.application.use_cases.search_books import SearchBooks
    from bookstore.domain.review import RatingChange
    from bookstore.domain.user import Actor, Role

    engine = make_engine(url)
    factory = SqlUnitOfWorkFactory(engine)
    rnd = random.Random(SEED)
    search, faceted = SearchBooks(factory), SearchBooksWithFacets(factory)
    also, recommend = AlsoBought(factory), RecommendBooks(factory)

    def write_elsewhere() -> None:
        with factory() as uow:
            uow.books.change_rating(book_ids[0], RatingChange(0, 0))
            uow.commit()

    def query(**fields: Any) -> Callable[[], Any]:
        return lambda: search(BookQuery(**fields))

    def facets(**fields: Any) -> Callable[[], Any]:
        return lambda: faceted(BookQuery(**fields))

    words = [rnd.choice(catalogue.NOUN) for _ in range(repeat)]
    top, anyone = book_ids[:repeat], rnd.sample(book_ids, repeat)
    rows = [
        ("list page 1", [query()] * repeat, None),
        ("list sort=-rating", [query(sort=BookSort.RATING_DESC)] * repeat, None),
        ("list min_rating=4", [query(min_rating=4)] * repeat, None),
        ("search q=<noun>", [query(text=w) for w in words], None),
        ("facets=genre, all books, cold", [facets()] * repeat, write_elsewhere),
        ("facets=genre, all books", [facets()] * repeat, None),
        ("search q=lantern", [query(text=catalogue.SEARCH_WORD)] * repeat, None),
        ("facets=genre q=lantern, cold", [facets(text=catalogue.SEARCH_WORD)] * repeat,
         write_elsewhere),
        ("facets=genre q=<noun>, cold", [facets(text=w) for w in words], write_elsewhere),
        ("facets=genre q=<noun>", [facets(text=w) for w in words], None),
        ("facets=genre genre=Poetry, cold", [facets(genre="Poetry")] * repeat, write_elsewhere),
        ("facets=genre in_stock, cold", [facets(in_stock=True)] * repeat, write_elsewhere),
        ("also-bought, the most ordered books", [lambda b=b: also(AlsoBoughtQuery(b))
                                                 for b in top], None),
        ("also-bought, any book", [lambda b=b: also(AlsoBoughtQuery(b)) for b in anyone], None),
        ("recommendations", [lambda u=u: recommend(RecommendBooksCommand(
            Actor(u, Role.CUSTOMER))) for u in rnd.sample(customers, repeat)], None),
    ]  # fmt: skip
    print(f"{'scenario':40} {'p50 ms':>8} {'p95 ms':>8}")
    try:
        for name, calls, before in rows:
            calls[0]()  # warm: statements compiled, pages cached
            print(f"{name:40} {timed(calls, before)}", flush=True)
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--books", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=100, help="calls per scenario")
    parser.add_argument("--pg-url", help="also on this (empty) PostgreSQL database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-reviews-") as folder:
        targets = [f"sqlite:///{folder}/bookstore.db"] + ([args.pg_url] if args.pg_url else [])
        for url in targets:
            say(f"filling {url.split(':')[0]}: {args.books:,} books, {args.orders:,} orders")
            book_ids, customers = fill(url, args.books, args.orders)
            print(f"\n{url.split(':')[0]}, {args.books:,} books, {args.orders:,} orders")
            measure(url, book_ids, customers, args.repeat)


if __name__ == "__main__":
    main()
