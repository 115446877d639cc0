"""Coupon uses under real parallelism, threads and OS processes, on SQLite and PostgreSQL:
a coupon with `max_uses` N is carried by exactly N orders however many customers race for
it, and a customer's own limit holds against their own parallel requests."""

from __future__ import annotations

from collections import Counter

import pytest
from coupon_storms import (
    EMPTY,
    Task,
    add_coupon,
    add_customers,
    naive_coupons,
    process_run,
    thread_run,
    uses,
)
from sql_storms import PLACED, NaiveUnitOfWorkFactory
from sql_support import Backend, add_books, details

pytestmark = pytest.mark.slow

SHARED, OWN = "LAST-USES", "MY-USES"
MAX_USES = 3
RACERS = 8
PER_CUSTOMER = 2
ATTEMPTS = 6


def storm(backend: Backend) -> tuple[list[Task], list[Task]]:
    """RACERS customers with the SHARED coupon (MAX_USES in all) in their carts, each buying
    a book of their own (so that no book's lock lines them up), all placing at once; and one
    customer shopping with the OWN coupon (PER_CUSTOMER uses each) in ATTEMPTS parallel
    sessions, each adding a copy, applying the coupon and placing the order until it placed
    one or is told the coupon's uses are spent (another session may empty the cart in
    between)."""
    book, *own_books = add_books(
        backend.factory, *(details(f"B{n}", stock=100) for n in range(RACERS + 1))
    )
    add_coupon(backend.factory, SHARED, max_uses=MAX_USES, max_uses_per_customer=None)
    add_coupon(backend.factory, OWN, max_uses=None, max_uses_per_customer=PER_CUSTOMER)
    racers = add_customers(backend.factory, [{b.id: 1} for b in own_books], SHARED)
    (shopper,) = add_customers(backend.factory, [{}], OWN)
    shared = [("place", str(racer), 0, SHARED) for racer in racers]
    own = [("shop", str(shopper), book.id, OWN)] * ATTEMPTS
    return shared, own


def check(backend: Backend, shared: list[str], own: list[str]) -> None:
    times_used, carried = uses(backend.factory, SHARED)
    assert times_used == sum(carried.values()) == MAX_USES
    assert Counter(shared) == {PLACED: MAX_USES, "coupon used_up": RACERS - MAX_USES}

    allowed = {PLACED, EMPTY, "coupon already_used", "coupon no_eligible_items"}
    assert set(own) <= allowed, Counter(own)
    assert "coupon already_used" in own, Counter(own)
    times_used, carried = uses(backend.factory, OWN)
    assert list(carried.values()) == [times_used] == [PER_CUSTOMER]


def test_coupon_limits_hold_against_requests_racing_in_threads(sql_backend: Backend) -> None:
    shared, own = storm(sql_backend)
    outcomes = thread_run(sql_backend.factory, shared + own)
    check(sql_backend, outcomes[: len(shared)], outcomes[len(shared) :])


def test_coupon_limits_hold_against_requests_racing_in_processes(sql_backend: Backend) -> None:
    shared, own = storm(sql_backend)
    outcomes = process_run(sql_backend.url, shared + own, processes=2)
    check(sql_backend, outcomes[: len(shared)], outcomes[len(shared) :])


def test_the_storm_catches_coupons_read_then_written(sql_backend: Backend) -> None:
    """Teeth: the same race with coupons read unlocked and their uses written back from that
    read must be caught failing."""
    naive = NaiveUnitOfWorkFactory(sql_backend.engine, naive=naive_coupons)
    books = add_books(naive, *(details(f"B{n}", stock=100) for n in range(RACERS)))
    add_coupon(naive, SHARED, max_uses=MAX_USES, max_uses_per_customer=None)
    racers = add_customers(naive, [{b.id: 1} for b in books], SHARED)
    outcomes = thread_run(naive, [("place", str(racer), 0, SHARED) for racer in racers])
    with pytest.raises(AssertionError):
        check(sql_backend, outcomes, [])
    _, carried = uses(sql_backend.factory, SHARED)
    broken = set(outcomes) - {PLACED, "coupon used_up"}
    assert sum(carried.values()) > MAX_USES or broken, "caught for what it does wrong"
