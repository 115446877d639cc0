"""Engines for SQLite and PostgreSQL, tuned for a threaded server.

SQLite: WAL (readers never wait for the writer), `busy_timeout=5000`, foreign keys on,
`synchronous=NORMAL`, and pysqlite's own transaction handling switched off
(`isolation_level=None`): the unit of work begins and ends its transactions itself
(`BEGIN IMMEDIATE` for a writer, so writers queue for the write lock up front instead of
failing with "database is locked" when a read turns into a write; a deferred `BEGIN` for a
reader, so reads never queue behind writers). A SQLAlchemy `Connection` on the engine (the
migrations, scripts) begins as a writer does, through the "begin" event.

Writers queue for SQLite's write lock in a gate (`writer_gate`) before they take a
connection: first come, first served among the threads of a process, and across processes an
exclusive `flock` on a lock file beside the database (`<database>-writer`), which the kernel
hands to the next waiter the moment it is released; SQLite's busy handler sleeps and polls,
which serves waiting writers late and unfairly (docs/performance.md). `BEGIN IMMEDIATE` and
`busy_timeout` remain for writers that do not use the gate (another program, or a platform
without `fcntl`).

Inside `writes_without_waiting()`, a write unit of work that would have to wait for the gate
or for another process's write lock raises `WriterBusy` before it has done anything, so a
caller that must not block (an event loop) can run the work again where waiting is harmless.

PostgreSQL: psycopg 3 (`postgresql://` is taken to mean `postgresql+psycopg://`). A pooled
connection is looked at before it is handed out (`refuse_lost`): one the server has closed (a
restart, an idle timeout) has its socket readable while no query runs, and is replaced, not
handed out. Unlike `pool_pre_ping`, this costs no round trip per checkout.
"""

from __future__ import annotations

import os
import select
import sqlite3
import sys
import threading
import weakref
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool, StaticPool

from bookstore.adapters.sql.checkpoints import WalCheckpointer
from bookstore.adapters.sql.statements import run_on_driver
from bookstore.application.ports import WriterBusy

if sys.platform != "win32":  # on Windows, processes meet at SQLite's busy handler only
    import fcntl

BUSY_TIMEOUT_MS = 5000
"""The longest a statement waits for another's lock, on both databases (SQLite's
`busy_timeout`, PostgreSQL's `lock_timeout`); past it, the storage is unavailable (a 503)."""
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
)
POOL_SIZE = 5
RECYCLE_SECONDS = 1800
"""A PostgreSQL connection this old is replaced when the pool next lends it."""
MAX_OVERFLOW = 10
APPLICATION_NAME = "bookstore"
"""PostgreSQL's `application_name` of our connections, followed by the process id, unless the
URL names one: `pg_stat_activity` then shows which process holds which connections."""


def make_engine(
    url: str,
    *,
    pool_size: int = POOL_SIZE,
    max_overflow: int = MAX_OVERFLOW,
    echo: bool = False,
) -> Engine:
    """A sync engine for a SQLAlchemy URL: `sqlite:///path`, `sqlite://` (in memory, one
    shared connection: for tests and scripts), or `postgresql+psycopg://...`.

    A process never holds more than `pool_size + max_overflow` connections; threads beyond
    that queue for one (up to the pool's 30 s timeout). Sum it over every process that shares
    a PostgreSQL server to stay under its `max_connections` (README, "Pool sizing"). An
    in-memory SQLite database lives and dies with its engine: migrate that engine with
    `upgrade_engine(engine)`."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    pool = {"pool_size": pool_size, "max_overflow": max_overflow}
    if backend == "sqlite":
        return _sqlite_engine(parsed, pool, echo=echo)
    if backend == "postgresql":
        return _postgresql_engine(parsed, pool, echo=echo)
    raise ValueError(f"unsupported database URL {parsed.render_as_string(hide_password=True)}")


_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def on_this_machine(url: URL) -> bool:
    """A database server reached over loopback or a Unix-domain socket (no host, or a host
    that is a directory, as libpq takes it; with no host in the URL, libpq's `PGHOST`)."""
    named = url.host or url.query.get("host") or os.environ.get("PGHOST", "")
    hosts = ",".join([named] if isinstance(named, str) else named).split(",")
    return all(not host or host.startswith("/") or host in _LOOPBACK for host in hosts)


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"


def _sqlite_engine(url: URL, pool: dict[str, int], *, echo: bool) -> Engine:
    connect_args = {"check_same_thread": False, "timeout": 5}
    engine = (
        create_engine(url, echo=echo, poolclass=StaticPool, connect_args=connect_args)
        if _is_memory(url)
        else create_engine(url, echo=echo, poolclass=QueuePool, connect_args=connect_args, **pool)
    )
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_sqlite)
    if not _is_memory(url):
        _WRITER_GATES[engine] = WriterGate(_lock_path(url))
        _CHECKPOINTERS[engine] = WalCheckpointer(engine)
    return engine


def _lock_path(url: URL) -> str:
    """The writers' lock file: the database's path plus `-writer` (as SQLite names its
    `-wal` and `-shm` files), also for `file:` URIs."""
    database = url.database or ""
    if database.startswith("file:"):
        database = database.removeprefix("file:").partition("?")[0]
    return f"{database}-writer"


class FifoLock:
    """A lock handed to its waiters in the order they came (`threading.Lock` is not fair)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._held = False

    def acquire(self) -> None:
        with self._mutex:
            if not self._held:
                self._held = True
                return
            waiter = threading.Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        waiter.acquire()  # released by `release`, which hands the lock over to us

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; never waits."""
        with self._mutex:
            if self._held:
                return False
            self._held = True
            return True

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._held = False


_WRITES_WITHOUT_WAITING: ContextVar[bool] = ContextVar("writes_without_waiting", default=False)


@contextmanager
def writes_without_waiting() -> Iterator[None]:
    """Write units of work opened inside raise `WriterBusy` instead of waiting for SQLite's
    write lock. Only a SQLite file engine can promise this; any other raises it at once."""
    token = _WRITES_WITHOUT_WAITING.set(True)
    try:
        yield
    finally:
        _WRITES_WITHOUT_WAITING.reset(token)


def writers_may_wait() -> bool:
    return not _WRITES_WITHOUT_WAITING.get()


class WriterGate:
    """One writer at a time: this process's threads in arrival order (`FifoLock`), then an
    exclusive `flock` on the lock file, shared by every process that opens the database."""

    def __init__(self, lock_path: str) -> None:
        self._threads = FifoLock()
        self._lock_path = lock_path
        self._file: tuple[int, int] | None = None  # (pid, fd): a forked child opens its own

    def acquire(self) -> None:
        self._threads.acquire()
        try:
            if (fd := self._fd()) is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def try_acquire(self) -> bool:
        """Take the gate if nobody, here or in another process, holds it; never waits."""
        if not self._threads.try_acquire():
            return False
        try:
            if (fd := self._fd()) is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._threads.release()
            return False
        except BaseException:
            self._threads.release()
            raise
        return True

    def release(self) -> None:
        try:
            if self._file is not None:
                fcntl.flock(self._file[1], fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _fd(self) -> int | None:
        """The lock file of this process, opened on first use (the gate's threads lock is
        held, so only one thread opens it)."""
        if sys.platform == "win32":
            return None
        pid = os.getpid()
        if self._file is None or self._file[0] != pid:
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            weakref.finalize(self, os.close, fd)
            self._file = (pid, fd)
        return self._file[1]


_WRITER_GATES: WeakKeyDictionary[Engine, WriterGate] = WeakKeyDictionary()


def writer_gate(engine: Engine) -> WriterGate | None:
    """The gate this process's writers pass one at a time, if the engine has one."""
    return _WRITER_GATES.get(engine)


_CHECKPOINTERS: WeakKeyDictionary[Engine, WalCheckpointer] = WeakKeyDictionary()


def wal_checkpointer(engine: Engine) -> WalCheckpointer | None:
    """What checkpoints a SQLite file's WAL after this process's commits (`checkpoints`)."""
    return _CHECKPOINTERS.get(engine)


def _configure_sqlite(dbapi_connection: sqlite3.Connection, _: ConnectionPoolEntry) -> None:
    dbapi_connection.isolation_level = None
    for pragma in SQLITE_PRAGMAS:
        dbapi_connection.execute(pragma).close()


def _begin_sqlite(conn: Connection) -> None:
    """How a SQLAlchemy `Connection` on a SQLite engine begins (see the module's doc)."""
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def begin_immediate(raw: sqlite3.Connection) -> None:
    """Begin a write transaction on the driver; inside `writes_without_waiting`, take the
    write lock now (busy timeout off) or raise `WriterBusy`."""
    if writers_may_wait():
        run_on_driver(raw, "BEGIN IMMEDIATE")
        return
    run_on_driver(raw, "PRAGMA busy_timeout=0")
    try:
        run_on_driver(raw, "BEGIN IMMEDIATE")
    except DBAPIError as error:
        if _is_busy(error.orig):
            raise WriterBusy() from error
        raise
    finally:
        run_on_driver(raw, f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def _is_busy(error: BaseException | None) -> bool:
    """SQLITE_BUSY, or one of its extended codes (the low byte is the primary code)."""
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF == sqlite3.SQLITE_BUSY


def _postgresql_engine(url: URL, pool: dict[str, int], *, echo: bool) -> Engine:
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    engine = create_engine(url, echo=echo, pool_recycle=RECYCLE_SECONDS, **pool)
    event.listen(engine, "checkout", refuse_lost)
    event.listen(engine, "do_connect", _connection_settings)
    return engine


def _connection_settings(_dialect: Any, _record: Any, _args: Any, params: dict[str, Any]) -> None:
    """At connect time, so a forked or spawned server process names its own connections.

    A statement waits at most `BUSY_TIMEOUT_MS` for a lock, unless the URL's `options` say
    otherwise: reads of a server on this machine run on the event loop, and one waiting for a
    table that DDL holds (a migration while serving) would hold up every request of the
    process; past the timeout it is a 503, as a SQLite writer's wait is."""
    params.setdefault("application_name", f"{APPLICATION_NAME} {os.getpid()}")
    options = params.get("options", "")
    if "lock_timeout" not in options:
        params["options"] = f"{options} -c lock_timeout={BUSY_TIMEOUT_MS}".strip()


def refuse_lost(dbapi_connection: Any, *_: Any) -> None:
    """Refuse a pooled connection the server has dropped (`DisconnectionError`: the pool
    replaces it). An idle connection has nothing to read; a readable socket is the server's
    goodbye (an error message, then the end of the stream), or the stream already ended."""
    if dbapi_connection.closed or dbapi_connection.broken:
        raise DisconnectionError("the connection is closed")
    try:
        readable = select.select([dbapi_connection.pgconn.socket], [], [], 0)[0]
    except Exception as error:  # psycopg's own, for a connection already lost
        raise DisconnectionError(f"the connection is lost: {error}") from error
    if readable:
        raise DisconnectionError("the server closed the connection")
