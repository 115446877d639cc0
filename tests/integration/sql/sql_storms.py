"""Many buyers placing orders at the same moment, in threads or in processes.

Kept apart from the test modules so that spawned worker processes import only this (and
the bookstore), not pytest's fixtures.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Engine, func, select, update

from bookstore.adapters.clock import SystemClock
from bookstore.adapters.ids import RandomIds
from bookstore.adapters.sql import SqlUnitOfWork, SqlUnitOfWorkFactory, make_engine
from bookstore.adapters.sql.book_search import Totals
from bookstore.adapters.sql.books import SqlBookRepository
from bookstore.adapters.sql.statements import Db
from bookstore.adapters.sql.tables import books, order_lines, stock_movements
from bookstore.adapters.sql.unit_of_work import CoreUnitOfWork, SqliteUnitOfWork
from bookstore.application.ports import UnitOfWorkFactory
from bookstore.application.use_cases.place_order import PlaceOrder, PlaceOrderCommand
from bookstore.domain.book import Book
from bookstore.domain.cart import Cart
from bookstore.domain.errors import InsufficientStock
from bookstore.domain.user import Actor, Role, User
from bookstore.domain.values import Email

PLACED = "placed"
SHORT = "insufficient stock"
JOIN_TIMEOUT = 60


def make_buyers(
    factory: UnitOfWorkFactory, count: int, cart: dict[int, int] | Callable[[int], dict[int, int]]
) -> list[UUID]:
    """`count` new customers, each with the given cart (or `cart(n)` for the n-th)."""
    clock = SystemClock()
    buyers = []
    with factory() as uow:
        for n in range(count):
            user_id = uuid4()
            email = Email(f"buyer-{user_id.hex}@example.com")
            uow.users.add(User(user_id, email, "", Role.CUSTOMER, True, "x", clock.now()))
            lines = cart(n) if callable(cart) else cart
            uow.carts.save(Cart(user_id, dict(lines)))
            buyers.append(user_id)
        uow.commit()
    return buyers


def place_order(factory: UnitOfWorkFactory, user_id: UUID) -> str:
    """The real use case; the outcome is "placed", "insufficient stock" or the error."""
    place = PlaceOrder(uow=factory, clock=SystemClock(), ids=RandomIds())
    try:
        place(PlaceOrderCommand(actor=Actor(user_id, Role.CUSTOMER)))
    except InsufficientStock:
        return SHORT
    except Exception as error:  # every other failure is what the storm looks for
        return f"{type(error).__name__}: {error}".splitlines()[0]
    return PLACED


def run_together(tasks: Sequence[Callable[[], str]]) -> list[str]:
    """Start every task in its own thread, released at the same instant by a barrier."""
    barrier = threading.Barrier(len(tasks))
    results: list[str] = ["did not finish"] * len(tasks)

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=JOIN_TIMEOUT)
            results[n] = tasks[n]()
        except Exception:
            results[n] = traceback.format_exc().splitlines()[-1]

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(tasks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    return results


def thread_storm(factory: UnitOfWorkFactory, buyers: Sequence[UUID]) -> list[str]:
    return run_together([_buyer(factory, user_id) for user_id in buyers])


def _buyer(factory: UnitOfWorkFactory, user_id: UUID) -> Callable[[], str]:
    return lambda: place_order(factory, user_id)


def _process_buyers(url: str, buyers: list[UUID], start: Any, results: Any) -> None:
    """One worker process: its own engine, its buyers as threads, released with the others."""
    engine = make_engine(url)
    try:
        factory = SqlUnitOfWorkFactory(engine)
        with factory(read_only=True) as uow:
            uow.books.get(0)  # connect before the start line
        start.wait(timeout=JOIN_TIMEOUT)
        results.put(thread_storm(factory, buyers))
    except Exception:
        results.put([traceback.format_exc().splitlines()[-1]] * len(buyers))
    finally:
        engine.dispose()


def process_storm(url: str, buyers: Sequence[UUID], processes: int) -> list[str]:
    """Split the buyers over `processes` spawned OS processes, started together."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(processes)
    results = context.Queue()
    shares = [list(buyers[n::processes]) for n in range(processes)]
    workers = [
        context.Process(target=_process_buyers, args=(url, share, start, results))
        for share in shares
    ]
    for worker in workers:
        worker.start()
    outcomes = [result for _ in workers for result in results.get(timeout=JOIN_TIMEOUT)]
    for worker in workers:
        worker.join(timeout=JOIN_TIMEOUT)
    results.close()
    results.join_thread()
    return outcomes


@dataclass(frozen=True)
class Ledger:
    """What the database says happened to one book."""

    stock: int
    sold: int
    movements: int = field(default=0, compare=False)
    """The sum of the book's stock movements."""


def ledger(factory: SqlUnitOfWorkFactory, book_id: int) -> Ledger:
    with factory.engine.connect() as conn:
        stock = conn.execute(select(books.c.stock).where(books.c.id == book_id)).scalar_one()
        sold = conn.execute(
            select(func.coalesce(func.sum(order_lines.c.quantity), 0)).where(
                order_lines.c.book_id == book_id
            )
        ).scalar_one()
        movements = conn.execute(
            select(func.coalesce(func.sum(stock_movements.c.delta), 0)).where(
                stock_movements.c.book_id == book_id
            )
        ).scalar_one()
    return Ledger(stock, sold, int(movements))


def assert_sound(
    outcomes: Sequence[str], ledgers: dict[int, Ledger], initial: dict[int, int], added: int = 0
) -> None:
    """Only "placed" and "insufficient stock", no stock below zero, and every copy accounted
    for: stock + sold = initial + restocked = the sum of the book's movements + sold, book by
    book."""
    unexpected = Counter(o for o in outcomes if o not in (PLACED, SHORT))
    assert not unexpected, f"unexpected outcomes: {dict(unexpected)}"
    for book_id, book in ledgers.items():
        assert book.stock >= 0
        assert book.stock + book.sold == initial[book_id] + added, (book_id, book)
        assert book.stock == book.movements, (book_id, book)


# --- The naive variant, used only to show the storm tests have teeth. -----------------------


NAIVE_THINK_SECONDS = 0.01


class NaiveBookRepository(SqlBookRepository):
    """Reads without locking, then writes back a stock computed from that (stale) read."""

    def __init__(self, db: Db) -> None:
        super().__init__(db, lock_rows=False, totals=Totals())
        self._read: dict[int, int] = {}

    def lock(self, book_ids: Any) -> dict[int, Book]:
        found = self.get_many(book_ids)
        self._read.update({book_id: book.stock for book_id, book in found.items()})
        # A pause between read and write, so concurrent buyers always overlap as they
        # would under real load, whatever the machine is doing.
        time.sleep(NAIVE_THINK_SECONDS)
        return found

    def take_stock(self, book_id: int, quantity: int) -> bool:
        left = self._read[book_id] - quantity
        if left < 0:
            return False
        self._db.write(update(books).where(books.c.id == book_id).values(stock=left))
        return True


Naive = Callable[[SqlUnitOfWork], None]
"""Puts the naive repositories into an open unit of work."""


def naive_books(uow: SqlUnitOfWork) -> None:
    uow.books = NaiveBookRepository(uow.db)


class NaiveSqliteUnitOfWork(SqliteUnitOfWork):
    """A deferred BEGIN, as a reader's (the write lock is only asked for at the first
    write), outside the writers' gate, and yet it commits."""

    def __init__(self, engine: Engine, naive: Naive) -> None:
        super().__init__(engine, read_only=True, gate=None)
        self._naive = naive

    def __enter__(self) -> NaiveSqliteUnitOfWork:
        super().__enter__()
        self._naive(self)
        return self

    def commit(self) -> None:
        self._commit()


class NaiveCoreUnitOfWork(CoreUnitOfWork):
    """No row locks (PostgreSQL)."""

    def __init__(self, engine: Engine, naive: Naive) -> None:
        super().__init__(engine, read_only=False)
        self._naive = naive

    def __enter__(self) -> NaiveCoreUnitOfWork:
        super().__enter__()
        self._naive(self)
        return self


class NaiveUnitOfWorkFactory(SqlUnitOfWorkFactory):
    """Units of work with the naive repositories that `naive` puts in (the books' by
    default)."""

    def __init__(self, engine: Engine, naive: Naive = naive_books) -> None:
        super().__init__(engine)
        self._naive = naive

    def __call__(self, *, read_only: bool = False) -> SqlUnitOfWork:
        if self.engine.dialect.name == "sqlite":
            return NaiveSqliteUnitOfWork(self.engine, self._naive)
        return NaiveCoreUnitOfWork(self.engine, self._naive)


def _run_share(
    url: str,
    share: list[tuple[int, Any]],
    start: Any,
    results: Any,
    thread_run: Callable[[UnitOfWorkFactory, list[Any]], list[str]],
) -> None:
    """One worker process: its own engine, its tasks as threads, released with the others."""
    engine = make_engine(url)
    try:
        factory = SqlUnitOfWorkFactory(engine)
        with factory(read_only=True) as uow:
            uow.books.get(0)  # connect before the start line
        start.wait(timeout=JOIN_TIMEOUT)
        outcomes = thread_run(factory, [task for _, task in share])
        results.put([(n, outcome) for (n, _), outcome in zip(share, outcomes, strict=True)])
    except Exception:
        failure = traceback.format_exc().splitlines()[-1]
        results.put([(n, failure) for n, _ in share])
    finally:
        engine.dispose()


def process_run(
    url: str,
    tasks: Sequence[Any],
    processes: int,
    thread_run: Callable[[UnitOfWorkFactory, list[Any]], list[str]],
) -> list[str]:
    """`tasks` dealt out over `processes` spawned OS processes, started together, each running
    its share with `thread_run` (a module-level function, so a spawned process can import
    it); the outcomes in the order of the tasks."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(processes)
    results = context.Queue()
    numbered = list(enumerate(tasks))
    shares = [numbered[n::processes] for n in range(processes)]
    workers = [
        context.Process(target=_run_share, args=(url, share, start, results, thread_run))
        for share in shares
    ]
    for worker in workers:
        worker.start()
    outcomes = ["did not finish"] * len(tasks)
    for _ in workers:
        for n, outcome in results.get(timeout=JOIN_TIMEOUT):
            outcomes[n] = outcome
    for worker in workers:
        worker.join(timeout=JOIN_TIMEOUT)
    results.close()
    results.join_thread()
    return outcomes
