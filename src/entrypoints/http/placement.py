"""Where a request's storage work runs: on the event loop, or on a worker thread.

On SQLite, a catalogue read is a short indexed query of a local file that never waits for a
writer (WAL), and a write, once it holds the write lock, is a few hundred microseconds of
local work; the hand-off to a worker thread and back costs more than either (thread wake-ups
and GIL hand-offs: docs/performance.md). So on SQLite both run on the loop, with one
guard for writes: the loop must never wait for the write lock, which another thread of this
process or another server process may hold. A write is therefore tried inside
`writes_without_waiting`, where a unit of work that would wait raises `WriterBusy` before it
has done anything, and is then run again on a worker thread, where waiting is harmless.
PostgreSQL calls go over the network: always on a worker thread.

`run_write` is only for use cases whose write unit of work is the first thing they do to
storage (add to cart, place an order): a retry on the thread must repeat nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from litestar.concurrency import sync_to_thread
from litestar.datastructures import State

from bookstore.adapters.sql.engine import WriterBusy, writes_without_waiting
from bookstore.entrypoints.http.dependencies import container_of

A = TypeVar("A")
R = TypeVar("R")

_ON_LOOP_STATE_KEY = "storage_calls_on_loop"


def storage_on_loop(state: State) -> bool:
    """Whether this app's storage work may run on the event loop: yes on SQLite, never on
    PostgreSQL or the in-memory store. Decided once per app, from the database URL."""
    on_loop = state.get(_ON_LOOP_STATE_KEY)
    if on_loop is None:
        on_loop = container_of(state).settings().database_url.startswith("sqlite:")
        state[_ON_LOOP_STATE_KEY] = on_loop
    return bool(on_loop)


async def run_read(state: State, read: Callable[[A], R], argument: A) -> R:
    return read(argument) if storage_on_loop(state) else await sync_to_thread(read, argument)


async def run_write(state: State, write: Callable[[A], R], argument: A) -> R:
    if storage_on_loop(state):
        try:
            with writes_without_waiting():
                return write(argument)
        except WriterBusy:
            pass  # someone holds the write lock: wait for it on a worker thread instead
    return await sync_to_thread(write, argument)
