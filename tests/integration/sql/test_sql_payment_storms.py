"""Payments under real parallelism, threads and OS processes, on SQLite and PostgreSQL: a
success racing a cancel refunds, one event delivered at once applies once, one payment
retried at once with one Idempotency-Key charges once."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest
from lifecycle_storms import assert_only, audit, place_orders
from payment_storms import Task, process_run, processing_orders, thread_run
from sql_support import Backend, add_books, details

from bookstore.domain.order import OrderStatus
from bookstore.domain.pagination import PageRequest
from bookstore.domain.payment import OrderPaymentStatus, PaymentStatus

pytestmark = pytest.mark.slow

ORDERS = 6
RACERS = 3
Runner = Callable[[Backend, list[Task]], list[str]]


def in_threads(backend: Backend, tasks: list[Task]) -> list[str]:
    return thread_run(backend.factory, tasks)


def in_processes(backend: Backend, tasks: list[Task]) -> list[str]:
    return process_run(backend.url, tasks, processes=3)


RUNNERS = pytest.mark.parametrize("run", [in_threads, in_processes], ids=["threads", "processes"])


def payments_of(backend: Backend, order_id: str) -> list[PaymentStatus]:
    with backend.factory(read_only=True) as uow:
        page = uow.payments.of_order(UUID(order_id), PageRequest(1, 100))
    return [payment.status for payment in page.items]


def order_of(backend: Backend, order_id: str) -> tuple[OrderStatus, OrderPaymentStatus]:
    with backend.factory(read_only=True) as uow:
        order = uow.orders.get(UUID(order_id))
    assert order is not None
    return order.status, order.payment_status


@RUNNERS
def test_a_success_racing_a_cancel_leaves_the_order_cancelled_and_refunded(
    sql_backend: Backend, run: Runner
) -> None:
    (book,) = add_books(sql_backend.factory, details(stock=100))
    orders = processing_orders(sql_backend.factory, ORDERS, book.id)
    tasks: list[Task] = []
    for _, order, user, payment in orders:
        tasks += [("webhook", order, user, payment), ("cancel", order, user, payment)]

    outcomes = run(sql_backend, tasks)

    assert_only(outcomes, {"applied", "cancelled"})
    for _, order, _, _ in orders:
        assert order_of(sql_backend, order) == (OrderStatus.CANCELLED, OrderPaymentStatus.REFUNDED)
        assert payments_of(sql_backend, order) == [PaymentStatus.REFUNDED]
    paths = audit(sql_backend.factory, {book.id: 100})
    assert all(path[-1] is OrderStatus.CANCELLED for path in paths.values())


@RUNNERS
def test_one_event_delivered_several_times_at_once_applies_once(
    sql_backend: Backend, run: Runner
) -> None:
    (book,) = add_books(sql_backend.factory, details(stock=100))
    orders = processing_orders(sql_backend.factory, ORDERS, book.id)
    tasks = [("webhook", o, u, p) for _, o, u, p in orders for _ in range(RACERS)]

    outcomes = run(sql_backend, tasks)

    assert_only(outcomes, {"applied", "ignored"})
    assert outcomes.count("applied") == ORDERS, "each event takes effect once"
    paths = audit(sql_backend.factory, {book.id: 100})
    assert all(path == [OrderStatus.PLACED, OrderStatus.PAID] for path in paths.values())


@RUNNERS
def test_one_payment_retried_at_once_with_one_key_charges_once(
    sql_backend: Backend, run: Runner
) -> None:
    (book,) = add_books(sql_backend.factory, details(stock=100))
    placed = place_orders(sql_backend.factory, ORDERS, {book.id: 1})
    tasks = [("pay", str(o), str(u), "") for o, u in placed for _ in range(RACERS)]

    outcomes = run(sql_backend, tasks)

    assert_only(outcomes, {"succeeded", "replayed", "in flight"})
    assert outcomes.count("succeeded") == ORDERS, "one charge per order"
    for order, _ in placed:
        assert payments_of(sql_backend, str(order)) == [PaymentStatus.SUCCEEDED]
        assert order_of(sql_backend, str(order)) == (OrderStatus.PAID, OrderPaymentStatus.PAID)
