"""Conflicting transitions of the same orders under real parallelism, threads and OS
processes, on SQLite and PostgreSQL: exactly one path wins, and stock comes back once."""

from __future__ import annotations

import pytest
from lifecycle_storms import (
    CANCELLED,
    SHIPPED,
    NaiveUnitOfWorkFactory,
    Task,
    assert_only,
    audit,
    place_orders,
    process_run,
    thread_run,
)
from sql_storms import PLACED, SHORT, make_buyers
from sql_support import Backend, add_books, details

from bookstore.domain.order import OrderStatus

pytestmark = pytest.mark.slow

ORDERS = 8
RACERS = 4

PLACED_S, PAID, SHIPPED_S, CANCELLED_S = (
    OrderStatus.PLACED,
    OrderStatus.PAID,
    OrderStatus.SHIPPED,
    OrderStatus.CANCELLED,
)


def two_cancels_at_once(backend: Backend) -> tuple[list[Task], dict[int, int]]:
    """ORDERS orders of 2 copies each, every one cancelled by RACERS threads at once."""
    (book,) = add_books(backend.factory, details(stock=100))
    placed = place_orders(backend.factory, ORDERS, {book.id: 2})
    tasks = [("cancel", str(o), str(u)) for o, u in placed for _ in range(RACERS)]
    return tasks, {book.id: 100}


def check_two_cancels(backend: Backend, outcomes: list[str], initial: dict[int, int]) -> None:
    assert_only(outcomes, {CANCELLED, "refused cancelled->cancelled"})
    assert outcomes.count(CANCELLED) == ORDERS, "each order is cancelled exactly once"
    paths = audit(backend.factory, initial)
    assert all(path == [PLACED_S, CANCELLED_S] for path in paths.values())
    with backend.factory(read_only=True) as uow:
        (book_id,) = initial
        book = uow.books.get(book_id)
    assert book is not None
    assert book.stock == 100, "every copy came back, once"


def test_two_cancels_of_one_order_in_threads_cancel_it_once(sql_backend: Backend) -> None:
    tasks, initial = two_cancels_at_once(sql_backend)
    check_two_cancels(sql_backend, thread_run(sql_backend.factory, tasks), initial)


def test_two_cancels_of_one_order_in_processes_cancel_it_once(sql_backend: Backend) -> None:
    tasks, initial = two_cancels_at_once(sql_backend)
    check_two_cancels(sql_backend, process_run(sql_backend.url, tasks, processes=4), initial)


def cancel_against_ship(backend: Backend) -> tuple[list[Task], dict[int, int]]:
    """ORDERS paid orders, each cancelled by its customer while an admin ships it."""
    a, b = add_books(backend.factory, details("A", stock=50), details("B", stock=50))
    placed = place_orders(backend.factory, ORDERS, {b.id: 3, a.id: 1}, paid=True)
    tasks: list[Task] = []
    for order, user in placed:
        tasks += [("cancel", str(order), str(user)), ("ship", str(order), "")]
    return tasks, {a.id: 50, b.id: 50}


def check_cancel_against_ship(
    backend: Backend, outcomes: list[str], initial: dict[int, int]
) -> None:
    allowed = {CANCELLED, SHIPPED, "refused shipped->cancelled", "refused cancelled->shipped"}
    assert_only(outcomes, allowed)
    for cancelled, shipped in zip(outcomes[::2], outcomes[1::2], strict=True):
        assert (cancelled == CANCELLED) != (shipped == SHIPPED), (cancelled, shipped)
    paths = audit(backend.factory, initial)
    assert sorted(map(tuple, paths.values())) == sorted(
        (PLACED_S, PAID, CANCELLED_S if outcome == CANCELLED else SHIPPED_S)
        for outcome in outcomes[::2]
    )


def test_cancel_against_ship_in_threads_takes_one_path(sql_backend: Backend) -> None:
    tasks, initial = cancel_against_ship(sql_backend)
    outcomes = thread_run(sql_backend.factory, tasks)
    check_cancel_against_ship(sql_backend, outcomes, initial)


def test_cancel_against_ship_in_processes_takes_one_path(sql_backend: Backend) -> None:
    tasks, initial = cancel_against_ship(sql_backend)
    outcomes = process_run(sql_backend.url, tasks, processes=4)
    check_cancel_against_ship(sql_backend, outcomes, initial)


STOCK = 6
BUYERS = 12


def cancel_against_new_orders(backend: Backend) -> tuple[list[Task], dict[int, int], int]:
    """One order holds all STOCK copies; it is cancelled while BUYERS customers try to buy
    one copy each: only copies given back can be sold, each at most once."""
    (book,) = add_books(backend.factory, details(stock=STOCK))
    ((order, owner),) = place_orders(backend.factory, 1, {book.id: STOCK})
    buyers = make_buyers(backend.factory, BUYERS, {book.id: 1})
    tasks: list[Task] = [("buy", "", str(buyer)) for buyer in buyers]
    tasks.insert(BUYERS // 2, ("cancel", str(order), str(owner)))
    return tasks, {book.id: STOCK}, book.id


def check_cancel_against_new_orders(
    backend: Backend, outcomes: list[str], initial: dict[int, int], book_id: int
) -> None:
    assert_only(outcomes, {CANCELLED, PLACED, SHORT})
    assert outcomes.count(CANCELLED) == 1
    assert outcomes.count(PLACED) <= STOCK
    audit(backend.factory, initial)
    with backend.factory(read_only=True) as uow:
        book = uow.books.get(book_id)
    assert book is not None
    assert book.stock == STOCK - outcomes.count(PLACED)


def test_cancel_against_new_orders_for_the_last_copies_in_threads(sql_backend: Backend) -> None:
    tasks, initial, book_id = cancel_against_new_orders(sql_backend)
    outcomes = thread_run(sql_backend.factory, tasks)
    check_cancel_against_new_orders(sql_backend, outcomes, initial, book_id)


def test_cancel_against_new_orders_for_the_last_copies_in_processes(
    sql_backend: Backend,
) -> None:
    tasks, initial, book_id = cancel_against_new_orders(sql_backend)
    outcomes = process_run(sql_backend.url, tasks, processes=4)
    check_cancel_against_new_orders(sql_backend, outcomes, initial, book_id)


def test_the_storm_catches_an_unconditional_transition(sql_backend: Backend) -> None:
    """Teeth: the same storm, with a transition that does not check the status it left."""
    naive = NaiveUnitOfWorkFactory(sql_backend.engine)
    backend = Backend(sql_backend.name, sql_backend.url, sql_backend.engine, naive)
    tasks, initial = two_cancels_at_once(backend)
    outcomes = thread_run(naive, tasks)
    with pytest.raises(AssertionError):
        check_two_cancels(backend, outcomes, initial)
