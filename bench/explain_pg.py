"""EXPLAIN (ANALYZE, BUFFERS) of every hot statement, on a fresh PostgreSQL database.

    python bench/explain_pg.py postgresql://postgres@127.0.0.1:5432/postgres [--books 10000]

Makes a database on that server, loads the benchmark catalogue through the project's own
adapter (bench/catalogue.py, which analyzes what it loaded), adds a customer with a cart, and
prints the plan and timing of each statement the list page, the search, get by id,
authentication, add to cart and place order run, as the adapters build them (the Core
statements themselves, compiled for PostgreSQL). Each statement
runs twice and the second plan is shown (warm caches); statements that write run inside a
transaction that is rolled back. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import catalogue  # noqa: E402
from compare import drop_postgres_database, fresh_postgres_database  # noqa: E402


def hot_statements(user_id: uuid.UUID, book_id: int) -> list[tuple[str, Any, dict[str, Any]]]:
    """(label, Core statement, parameters) of each hot path, as the adapters run them, in
    the order they run (each runs after the ones before it, in one transaction)."""
    from bookstore.adapters.sql import book_search, books, carts, orders, sessions
    from bookstore.adapters.sql.fulltext import WORDS
    from bookstore.application.queries import BookSort

    now = datetime.now(UTC)
    page = {"limit": 20, "offset": 0}
    list_page, _, _ = book_search._statements("postgresql", (), BookSort.TITLE, False)
    search_page, _, _ = book_search._statements("postgresql", (), BookSort.RELEVANCE, True)
    order_id = uuid.uuid4()
    return [
        ("list page 1 (total in the same statement)", list_page, page),
        ("search 'lantern' page 1 (total in it)", search_page, page | {WORDS: "lantern:*"}),
        ("get by id", books._GET_ONE, {"book_id": book_id}),
        ("authenticate", sessions._CHECK_ACCESS, {"token": "x", "user": user_id}),
        ("cart: lock the owner", carts._LOCK_OWNER, {"owner": user_id}),
        ("cart: its lines", carts._LINES, {"owner": user_id}),
        ("cart: add a line", carts._INSERT_LINES.values(
            user_id=user_id, book_id=book_id + 1, quantity=1, position=1), {}),
        ("order: lock its books", books._books_in(1, lock=True), {"item0": book_id}),
        ("order: take stock", books._TAKE_STOCK, {"book_id": book_id, "copies": 1}),
        ("order: the order", orders._INSERT_ORDER.values(
            id=order_id, user_id=user_id, status="placed", total_cents=100, created_at=now), {}),
        ("order: its lines", orders._INSERT_LINES.values(
            order_id=order_id, line_no=1, book_id=book_id, title="t", unit_price_cents=100,
            quantity=1), {}),
        ("order: empty the cart", carts._DELETE_CART, {"owner": user_id}),
    ]  # fmt: skip


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("server", help="a PostgreSQL server URL (a database is made there)")
    p.add_argument("--books", type=int, default=10_000)
    args = p.parse_args()
    url = fresh_postgres_database(args.server, f"bookstore_explain_{os.getpid()}")
    try:
        catalogue.build(url, args.books, quiet=True)
        explain_all(url)
    finally:
        drop_postgres_database(args.server, url)
    return 0


def explain_all(url: str) -> None:
    from sqlalchemy import insert

    from bookstore.adapters.sql import make_engine
    from bookstore.adapters.sql.tables import cart_lines, users

    engine = make_engine(url)
    user_id, book_id = uuid.uuid4(), 77
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(users).values(
                    id=user_id,
                    email="explain@example.com",
                    full_name="",
                    role="customer",
                    is_active=True,
                    password_hash="x",
                    created_at=datetime.now(UTC),
                )
            )
            conn.execute(insert(cart_lines).values(
                user_id=user_id, book_id=book_id, quantity=1, position=0))  # fmt: skip
        statements = hot_statements(user_id, book_id)
        for n, (label, stmt, params) in enumerate(statements):
            compiled = stmt.compile(engine)
            sql, values = compiled.string, compiled.construct_params(params)
            for _ in range(2):
                with engine.connect() as conn:
                    for _, before, before_params in statements[:n]:
                        conn.execute(before, before_params)
                    explain = f"EXPLAIN (ANALYZE, BUFFERS) {sql}"
                    rows = conn.exec_driver_sql(explain, values).all()
                    conn.rollback()
            print(f"== {label}\n{' '.join(sql.split())[:300]}")
            print("\n".join(f"   {row[0]}" for row in rows) + "\n")
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
