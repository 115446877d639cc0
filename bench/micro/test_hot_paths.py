"""Micro-benchmarks of the hot use cases, without HTTP (pytest-benchmark).

    .venv/bin/pytest bench/micro -p no:cacheprovider --benchmark-columns=median,ops,rounds

Each use case runs on a 10,000-book SQLite file built by bench/catalogue.py (BENCH_MICRO_BOOKS
to change), through the container as a library user builds it. The `raw_sqlite3_*` cases run
the same SQL with the standard library driver: the floor under the use case. The difference
between a use case here and the same request in `make bench` is what HTTP costs.
Not part of `make test` (no timed assertions anywhere).
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import catalogue

from bookstore.application.queries import BookQuery
from bookstore.application.use_cases.add_to_cart import AddToCartCommand
from bookstore.application.use_cases.log_in import LogInCommand
from bookstore.application.use_cases.place_order import PlaceOrderCommand
from bookstore.application.use_cases.register_user import RegisterUserCommand
from bookstore.domain.pagination import PageRequest
from bookstore.domain.user import Actor
from bookstore.entrypoints.container import Container, create_container
from bookstore.entrypoints.settings import Settings

BOOKS = int(os.environ.get("BENCH_MICRO_BOOKS", "10000"))
PASSWORD = "Bench-pass-123!"
LIST_SQL = (
    "SELECT id, title, author, genre, price_cents, stock, isbn, description, published_year,"
    " created_at, updated_at FROM books WHERE removed_at IS NULL"
    " ORDER BY lower(title), id LIMIT 20 OFFSET 0"
)
COUNT_SQL = "SELECT count(*) FROM books WHERE removed_at IS NULL"
GET_SQL = (
    "SELECT id, title, author, genre, price_cents, stock, isbn, description, published_year,"
    " created_at, updated_at FROM books WHERE id = ? AND removed_at IS NULL"
)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("micro") / "bookstore.db"
    catalogue.build(f"sqlite:///{path}", BOOKS, quiet=True)
    return path


@pytest.fixture(scope="module")
def store(database: Path) -> Iterator[Container]:
    settings = Settings(database_url=f"sqlite:///{database}", jwt_secret="x" * 40, bcrypt_rounds=4)
    container = create_container(settings)
    yield container
    container.shutdown_resources()


@pytest.fixture(scope="module")
def customer(store: Container) -> tuple[Actor, str]:
    user = store.register_user()(RegisterUserCommand("micro@bench.example.com", PASSWORD))
    pair = store.log_in()(LogInCommand("micro@bench.example.com", PASSWORD))
    return Actor(user.id, user.role), pair.access_token


def ids() -> Iterator[int]:
    return itertools.cycle(range(1, BOOKS - 100, 7))


def test_list_page(benchmark: Any, store: Container) -> None:
    search = store.search_books()
    query = BookQuery(page=PageRequest(page=1, page_size=20))
    assert benchmark(search, query).total == BOOKS


def test_search_word(benchmark: Any, store: Container) -> None:
    search = store.search_books()
    query = BookQuery(text=catalogue.SEARCH_WORD, page=PageRequest(page=1, page_size=20))
    assert benchmark(search, query).total > 0


def test_get_book(benchmark: Any, store: Container) -> None:
    get, next_id = store.get_book(), ids()
    benchmark(lambda: get(next(next_id)))


def test_authenticate(benchmark: Any, store: Container, customer: tuple[Actor, str]) -> None:
    authenticate = store.authenticate()
    benchmark(authenticate, customer[1])


def test_add_to_cart_and_place_order(
    benchmark: Any, store: Container, customer: tuple[Actor, str]
) -> None:
    add, place, next_id = store.add_to_cart(), store.place_order(), ids()
    actor = customer[0]

    def flow() -> None:
        add(AddToCartCommand(actor, next(next_id), 1))
        place(PlaceOrderCommand(actor))

    benchmark(flow)


def test_log_in_bcrypt_cost_4(benchmark: Any, store: Container, customer: Any) -> None:
    log_in = store.log_in()
    benchmark(log_in, LogInCommand("micro@bench.example.com", PASSWORD))


def test_raw_sqlite3_list_page_and_count(benchmark: Any, database: Path) -> None:
    con = sqlite3.connect(database)

    def page() -> int:
        rows = con.execute(LIST_SQL).fetchall()
        return len(rows) + con.execute(COUNT_SQL).fetchone()[0]

    benchmark(page)
    con.close()


def test_raw_sqlite3_get(benchmark: Any, database: Path) -> None:
    con, next_id = sqlite3.connect(database), ids()
    benchmark(lambda: con.execute(GET_SQL, (next(next_id),)).fetchone())
    con.close()
