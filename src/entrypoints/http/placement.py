"""Where a request's storage work runs: on the event loop, or on a worker thread.

The storage says which it can bear (`UnitOfWorkFactory.inline_reads` and `inline_work`),
decided once per app: short local work runs on the loop, since the hand-off to a worker thread
and back costs more than the work (docs/performance.md): reads of a SQLite file or of a
database server on this machine, and writes of a SQLite file. Work that may wait on a server
(its writes wait for their commit to reach the disk) runs on a worker thread.

On the loop the one thing that must never happen is waiting for another writer, so a write
runs inside `writes_without_waiting()`: a unit of work that would wait raises `WriterBusy`
having done nothing, and the use case runs again on a worker thread.
That retry is safe only for use cases that open their write unit of work before any other
storage action, which they declare (`RetryableWrite`).

Work on threads (these calls, and the handlers Litestar runs on a thread) runs on the event
loop's default pool, sized by `storage_threads` to the connections the storage keeps
(`UnitOfWorkFactory.work_threads`). Python sizes that pool by the cores instead: with one
thread more than the connections kept, the pool opened and closed a connection over and over
under load.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from litestar import Litestar
from litestar.concurrency import sync_to_thread
from litestar.datastructures import State

from bookstore.application.ports import RetryableWrite, UnitOfWorkFactory, WriterBusy
from bookstore.entrypoints.http.dependencies import container_of

A = TypeVar("A")
R = TypeVar("R")

_STATE_KEY = "storage_calls"


class StorageCalls:
    """Runs use cases where their storage work belongs (see the module's doc)."""

    __slots__ = ("_storage", "inline_reads", "inline_writes")

    def __init__(self, storage: UnitOfWorkFactory) -> None:
        self._storage = storage
        self.inline_reads = storage.inline_reads
        self.inline_writes = storage.inline_work

    async def read(self, read: Callable[[A], R], argument: A) -> R:
        return read(argument) if self.inline_reads else await sync_to_thread(read, argument)

    async def write(self, write: RetryableWrite[A, R], argument: A) -> R:
        if not getattr(write, "retry_when_busy", False):
            raise TypeError(f"{type(write).__name__} does not declare retry_when_busy")
        if self.inline_writes:
            try:
                with self._storage.writes_without_waiting():
                    return write(argument)
            except WriterBusy:
                pass  # another writer holds the lock: wait for it on a worker thread
        return await sync_to_thread(write, argument)


def storage_threads(app: Litestar) -> None:
    """When the app starts: its loop's default thread pool gets a thread per kept connection
    (asyncio shuts the pool down with the loop)."""
    threads = container_of(app.state).uow().work_threads
    pool = ThreadPoolExecutor(threads, thread_name_prefix="bookstore-storage")
    asyncio.get_running_loop().set_default_executor(pool)


def storage_calls(state: State) -> StorageCalls:
    """This app's `StorageCalls`, made from the container's storage on first use."""
    calls: StorageCalls | None = state.get(_STATE_KEY)
    if calls is None:
        calls = state[_STATE_KEY] = StorageCalls(container_of(state).uow())
    return calls
