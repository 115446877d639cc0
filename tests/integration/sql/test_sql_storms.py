"""Stock safety under real parallelism: threads and OS processes against a real database."""

from __future__ import annotations

import pytest
from sql_storms import (
    PLACED,
    SHORT,
    Ledger,
    NaiveUnitOfWorkFactory,
    assert_sound,
    ledger,
    make_buyers,
    place_order,
    process_storm,
    run_together,
    thread_storm,
)
from sql_support import Backend, add_books, details

from bookstore.adapters.clock import SystemClock
from bookstore.application.use_cases.restock_book import RestockBook, RestockBookCommand
from bookstore.domain.user import Actor, Role

pytestmark = pytest.mark.slow

STOCK = 10
BUYERS = 40


def test_forty_threads_buy_the_last_ten_copies(sql_backend: Backend) -> None:
    (book,) = add_books(sql_backend.factory, details(stock=STOCK))
    buyers = make_buyers(sql_backend.factory, BUYERS, {book.id: 1})
    outcomes = thread_storm(sql_backend.factory, buyers)
    assert outcomes.count(PLACED) == STOCK
    assert outcomes.count(SHORT) == BUYERS - STOCK
    assert_sound(outcomes, {book.id: ledger(sql_backend.factory, book.id)}, {book.id: STOCK})
    assert ledger(sql_backend.factory, book.id).stock == 0


def test_four_processes_buy_the_last_ten_copies(sql_backend: Backend) -> None:
    (book,) = add_books(sql_backend.factory, details(stock=STOCK))
    buyers = make_buyers(sql_backend.factory, BUYERS, {book.id: 1})
    outcomes = process_storm(sql_backend.url, buyers, processes=4)
    assert len(outcomes) == BUYERS
    assert outcomes.count(PLACED) == STOCK
    assert outcomes.count(SHORT) == BUYERS - STOCK
    assert_sound(outcomes, {book.id: ledger(sql_backend.factory, book.id)}, {book.id: STOCK})


def test_crossed_two_line_orders_do_not_deadlock(sql_backend: Backend) -> None:
    a, b = add_books(sql_backend.factory, details("A", stock=100), details("B", stock=100))
    buyers = make_buyers(
        sql_backend.factory,
        30,
        lambda n: {a.id: 1, b.id: 2} if n % 2 else {b.id: 2, a.id: 1},
    )
    outcomes = thread_storm(sql_backend.factory, buyers)
    assert outcomes == [PLACED] * 30
    ledgers = {book.id: ledger(sql_backend.factory, book.id) for book in (a, b)}
    assert ledgers == {a.id: Ledger(70, 30), b.id: Ledger(40, 60)}


def test_restocking_while_orders_run_loses_no_copy(sql_backend: Backend) -> None:
    (book,) = add_books(sql_backend.factory, details(stock=STOCK))
    buyers = make_buyers(sql_backend.factory, 30, {book.id: 1})
    admin = Actor(buyers[0], Role.ADMIN)  # the use case checks the role only
    restock = RestockBook(sql_backend.factory, SystemClock())

    def add_two() -> str:
        restock(RestockBookCommand(admin, book.id, 2))
        return "restocked"

    tasks = [
        lambda user_id=user_id: place_order(sql_backend.factory, user_id) for user_id in buyers
    ]
    outcomes = run_together([*tasks, *[add_two] * 5])
    assert outcomes.count("restocked") == 5
    orders = [o for o in outcomes if o != "restocked"]
    assert_sound(orders, {book.id: ledger(sql_backend.factory, book.id)}, {book.id: STOCK}, 10)
    assert STOCK <= orders.count(PLACED) <= STOCK + 10


def test_the_storm_catches_a_naive_read_then_write(sql_backend: Backend) -> None:
    """Teeth: the same storm with a read-then-write unit of work must be caught failing."""
    naive = NaiveUnitOfWorkFactory(sql_backend.engine)
    (book,) = add_books(naive, details(stock=STOCK))
    buyers = make_buyers(naive, BUYERS, {book.id: 1})
    outcomes = thread_storm(naive, buyers)
    with pytest.raises(AssertionError):
        assert_sound(outcomes, {book.id: ledger(naive, book.id)}, {book.id: STOCK})


def test_one_cart_submitted_many_times_at_once_is_ordered_once(sql_backend: Backend) -> None:
    (book,) = add_books(sql_backend.factory, details(stock=STOCK))
    (buyer,) = make_buyers(sql_backend.factory, 1, {book.id: 2})
    outcomes = thread_storm(sql_backend.factory, [buyer] * 8)
    assert outcomes.count(PLACED) == 1
    assert all(o == PLACED or o.startswith("EmptyCart") for o in outcomes), outcomes
    assert ledger(sql_backend.factory, book.id) == Ledger(STOCK - 2, 2)
