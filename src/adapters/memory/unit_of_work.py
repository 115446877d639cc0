"""An in-memory unit of work: a private copy of the state, swapped in on commit.

Write units of work hold the store's lock from start to end, as SQLite's `BEGIN IMMEDIATE`
does, so concurrent writers are serialised and stock cannot be oversold.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import TracebackType
from typing import Self

from bookstore.adapters.memory.catalogue import MemoryCatalogue, MemoryHousekeeping
from bookstore.adapters.memory.coupons import MemoryCouponRepository
from bookstore.adapters.memory.inventory import MemoryInventory
from bookstore.adapters.memory.outbox import (
    MemoryDeliveries,
    MemoryOutbox,
    MemoryWaitlist,
    MemoryWebhookEndpoints,
)
from bookstore.adapters.memory.payments import MemoryPaymentRepository
from bookstore.adapters.memory.repositories import (
    MemoryBookRepository,
    MemoryCartRepository,
    MemoryIdempotencyRepository,
    MemoryOrderRepository,
    MemorySessionRepository,
    MemoryUserRepository,
)
from bookstore.adapters.memory.reviews import MemoryCoPurchases, MemoryReviewRepository
from bookstore.adapters.memory.state import MemoryState
from bookstore.application.outbox import IdsOnly, Snapshots
from bookstore.application.ports import WriterBusy

_writers_may_wait: ContextVar[bool] = ContextVar("memory_writers_may_wait", default=True)


class MemoryUnitOfWorkFactory:
    inline_work = False
    """Writers wait for each other's lock: run the work where waiting is harmless."""
    inline_reads = False
    """Like writes, so that the two kinds of work are tried in the same places."""
    work_threads = 4
    """Readers never wait; writers wait for each other's lock."""

    def __init__(self, snapshots: Snapshots | None = None) -> None:
        self.state = MemoryState()
        self.snapshots: Snapshots = snapshots or IdsOnly()
        """How events show their subjects (see `bookstore.application.outbox.Snapshots`)."""
        self._write_lock = threading.Lock()
        self._swap_lock = threading.Lock()

    def __call__(self, *, read_only: bool = False) -> MemoryUnitOfWork:
        if not read_only and not _writers_may_wait.get():
            raise WriterBusy()
        return MemoryUnitOfWork(self, read_only=read_only)

    @contextmanager
    def writes_without_waiting(self) -> Iterator[None]:
        """This store cannot promise a writer will not wait: writers raise `WriterBusy`."""
        token = _writers_may_wait.set(False)
        try:
            yield
        finally:
            _writers_may_wait.reset(token)

    def bulk_written(self) -> None:
        """Nothing to bring up to date: no planner here."""

    def begin(self, read_only: bool) -> MemoryState:
        if not read_only:
            self._write_lock.acquire()
        with self._swap_lock:
            return self.state.fork()

    def publish(self, state: MemoryState) -> None:
        with self._swap_lock:
            self.state = state.fork()

    def end(self, read_only: bool) -> None:
        if not read_only:
            self._write_lock.release()


class MemoryUnitOfWork:
    def __init__(self, store: MemoryUnitOfWorkFactory, *, read_only: bool) -> None:
        self._store = store
        self._read_only = read_only
        self._state: MemoryState | None = None

    def __enter__(self) -> Self:
        self._state = self._store.begin(self._read_only)
        state = self._state
        self.books = MemoryBookRepository(state)
        self.users = MemoryUserRepository(state)
        self.carts = MemoryCartRepository(state)
        self.orders = MemoryOrderRepository(state)
        self.sessions = MemorySessionRepository(state)
        self.idempotency = MemoryIdempotencyRepository(state)
        self.inventory = MemoryInventory(state)
        self.catalogue = MemoryCatalogue(state)
        self.housekeeping = MemoryHousekeeping(state)
        self.payments = MemoryPaymentRepository(state)
        self.coupons = MemoryCouponRepository(state)
        self.outbox = MemoryOutbox(state, self._store.snapshots)
        self.deliveries = MemoryDeliveries(state)
        self.webhooks = MemoryWebhookEndpoints(state)
        self.waitlist = MemoryWaitlist(state)
        self.reviews = MemoryReviewRepository(state)
        self.co_purchases = MemoryCoPurchases(state)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._state = None
        self._store.end(self._read_only)

    def commit(self) -> None:
        if self._state is None:
            raise RuntimeError("commit() outside the unit of work's `with` block")
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        self._store.publish(self._state)
