"""The SQL unit of work: one connection and one transaction per `with` block, owned by it
from begin to commit or roll-back.

- SQLite: a pooled pysqlite connection, its transaction begun and ended on the driver
  (`BEGIN IMMEDIATE` for a writer, after the writer gate; a deferred `BEGIN` for a reader),
  statements run by `DriverDb`.
- PostgreSQL: a pooled psycopg connection in autocommit mode, statements run by
  `PsycopgDb` (a reader: one round trip per statement, no transaction; a writer: `BEGIN`
  sent with its first statement, and the statements nobody reads sent with its `COMMIT`).
- Any other database: a SQLAlchemy `Connection` and its `Transaction`, statements run by
  `CoreDb`.

Both give the same repositories over the same Core statements (`statements.Db`).
"""

from __future__ import annotations

import sqlite3
import time
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Generic, Self, TypeVar, overload

import psycopg
from sqlalchemy import Connection, Engine, RootTransaction, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import PoolProxiedConnection, QueuePool

from bookstore.adapters.sql.book_search import SqliteTotals, Totals
from bookstore.adapters.sql.books import SqlBookRepository
from bookstore.adapters.sql.carts import SqlCartRepository
from bookstore.adapters.sql.catalogue import SqlCatalogue
from bookstore.adapters.sql.checkpoints import WalCheckpointer
from bookstore.adapters.sql.co_purchases import SqlCoPurchases
from bookstore.adapters.sql.coupons import SqlCouponRepository
from bookstore.adapters.sql.driver_pg import PsycopgDb
from bookstore.adapters.sql.engine import (
    RECYCLE_SECONDS,
    WriterGate,
    begin_immediate,
    on_this_machine,
    refuse_lost,
    wal_checkpointer,
    writer_gate,
    writers_may_wait,
    writes_without_waiting,
)
from bookstore.adapters.sql.housekeeping import SqlHousekeeping
from bookstore.adapters.sql.idempotency import SqlIdempotencyRepository
from bookstore.adapters.sql.movements import SqlInventory
from bookstore.adapters.sql.orders import SqlOrderRepository
from bookstore.adapters.sql.outbox import SqlDeliveries, SqlOutbox
from bookstore.adapters.sql.payments import SqlPaymentRepository
from bookstore.adapters.sql.reviews import SqlReviewRepository
from bookstore.adapters.sql.sessions import SqlSessionRepository
from bookstore.adapters.sql.statements import (
    CoreDb,
    Db,
    DriverDb,
    run_on_driver,
    unavailable_on_failure,
)
from bookstore.adapters.sql.users import SqlUserRepository
from bookstore.adapters.sql.waitlist import SqlWaitlist
from bookstore.adapters.sql.webhook_endpoints import SqlWebhookEndpoints
from bookstore.application.outbox import IdsOnly, Snapshots
from bookstore.application.ports import StorageUnavailable, WriterBusy


class SqlUnitOfWorkFactory:
    """`factory(read_only=...)` opens units of work on one engine (see `make_engine`)."""

    def __init__(
        self,
        engine: Engine,
        snapshots: Snapshots | None = None,
        *,
        pipeline: bool | None = None,
    ) -> None:
        """`pipeline`: send a PostgreSQL writer's queued statements in one pipeline (True),
        or one after the other (False); by default, pipelined unless the server is on this
        machine (see `driver_pg`)."""
        self.engine = engine
        self.snapshots: Snapshots = snapshots or IdsOnly()
        """How events show their subjects (see `bookstore.application.outbox.Snapshots`)."""
        self._gate = writer_gate(engine)
        self._checkpointer = wal_checkpointer(engine)
        self._sqlite = engine.dialect.name == "sqlite"
        self._psycopg = engine.dialect.driver == "psycopg"
        self._near = not self._sqlite and on_this_machine(engine.url)
        self._pipeline = not self._near if pipeline is None else pipeline
        # A SQLite file's units of work keep a few connections: its writers pass the gate one
        # at a time, so one kept connection serves them all. PostgreSQL's keep as many as the
        # pool does, in autocommit mode (see `PsycopgUnitOfWork`), readers and writers alike:
        # kept apart, the connections a burst of writes left kept filled the pool, and every
        # read after it went through the pool's checkout again.
        if self._psycopg:
            self._readers = self._writers = KeptConnections(
                engine, most=self.work_threads, check=refuse_lost, to_pool=_out_of_autocommit
            )
        else:
            kept = self._gate is not None
            self._readers = KeptConnections(engine, most=4 if kept else 0)
            self._writers = KeptConnections(engine, most=1 if kept else 0)

    @property
    def inline_work(self) -> bool:
        """A SQLite file: short local work, and writers that can be told not to wait (the
        gate). An in-memory SQLite database shares one connection, and a server is far."""
        return self._gate is not None

    @property
    def work_threads(self) -> int:
        """The connections the pool keeps (`pool_size`)."""
        pool = self.engine.pool
        return pool.size() if isinstance(pool, QueuePool) else 1

    @property
    def inline_reads(self) -> bool:
        """A SQLite file, or a database server on this machine (loopback or a local socket):
        a read there is a short round trip, which a thread hand-off costs more than
        (docs/performance.md). A server elsewhere is a network away."""
        return self._gate is not None or self._near

    def writes_without_waiting(self) -> AbstractContextManager[None]:
        return writes_without_waiting()

    def bulk_written(self) -> None:
        """PostgreSQL: `ANALYZE`, so the planner knows how many rows there are and how they
        spread. Its statistics only change when something analyzes the tables; after a bulk
        load, until then, it believes `books` is nearly empty and sorts the whole table for
        each page (docs/performance.md). On a server autovacuum would get to it at some point;
        the service does not wait for that. SQLite plans well without statistics, and keeps
        none here."""
        if self._sqlite:
            return
        with unavailable_on_failure(), self.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")

    def __call__(self, *, read_only: bool = False) -> SqlUnitOfWork:
        unit: SqlUnitOfWork
        kept = self._readers if read_only else self._writers
        if self._sqlite:
            unit = SqliteUnitOfWork(
                self.engine,
                read_only=read_only,
                gate=self._gate,
                kept=kept,
                checkpointer=self._checkpointer,
            )
        elif self._psycopg:
            unit = PsycopgUnitOfWork(kept, read_only=read_only, pipeline=self._pipeline)
        else:
            unit = CoreUnitOfWork(self.engine, read_only=read_only)
        unit.snapshots = self.snapshots
        return unit


_KEPT_SINCE = "bookstore_kept_since"
"""Key of a pooled connection's `info`: when it last left the pool."""


class KeptConnections:
    """Pooled connections kept checked out between units of work, sparing each the pool's
    checkout and reset. Kept only while the pool has room to spare (this one counted), so
    nobody ever waits for a kept connection, and for `RECYCLE_SECONDS` at most, so the pool
    replaces old ones as it does its own; `engine.dispose()` closes them."""

    def __init__(
        self,
        engine: Engine,
        *,
        most: int,
        check: Callable[[Any], None] | None = None,
        to_pool: Callable[[PoolProxiedConnection], None] | None = None,
    ) -> None:
        """`check(driver_connection)` raises `DisconnectionError` for a kept connection that
        is lost (the checkout event that does so for the pool's does not see kept ones);
        `to_pool(pooled)` undoes what keeping set before the pool gets a connection back."""
        self._engine = engine
        self._most = most
        self._check = check
        self._to_pool = to_pool
        self._idle: deque[PoolProxiedConnection] = deque()
        if most:
            event.listen(engine, "engine_disposed", self._close_all)

    def take(self) -> PoolProxiedConnection:
        """A kept connection the server has not dropped, else one from the pool."""
        while True:
            try:
                pooled = self._idle.pop()
            except IndexError:  # none kept, or another thread took the last one
                break
            try:
                if self._check is not None:
                    self._check(pooled.driver_connection)
            except DisconnectionError:
                pooled.invalidate()
            else:
                return pooled
        pooled = self._engine.raw_connection()
        pooled.info[_KEPT_SINCE] = time.monotonic()
        return pooled

    def give_back(self, pooled: PoolProxiedConnection) -> None:
        """Kept, or back in the pool."""
        if len(self._idle) < self._most and self._keepable(pooled):
            self._idle.append(pooled)
            return
        if self._to_pool is not None:
            self._to_pool(pooled)
        pooled.close()

    def _keepable(self, pooled: PoolProxiedConnection) -> bool:
        """The pool has room to spare, and the connection is not due for recycling."""
        pool = self._engine.pool
        room = isinstance(pool, QueuePool) and pool.checkedout() < pool.size()
        return room and time.monotonic() - pooled.info.get(_KEPT_SINCE, 0.0) < RECYCLE_SECONDS

    def _close_all(self, *_: Any) -> None:
        """The pool that lent them is gone: closed outright (given back, they would linger)."""
        while self._idle:
            self._idle.pop().invalidate()


T = TypeVar("T")


class _Made(Generic[T]):
    """A repository of the unit of work, made on first use and then kept in the instance
    (after it is entered again, made anew). `functools.cached_property` does the same
    behind a lock that every instance shares, before Python 3.12."""

    def __init__(self, make: Callable[[SqlUnitOfWork], T]) -> None:
        self._make = make
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, uow: None, owner: type | None = None) -> Self: ...

    @overload
    def __get__(self, uow: SqlUnitOfWork, owner: type | None = None) -> T: ...

    def __get__(self, uow: SqlUnitOfWork | None, owner: type | None = None) -> T | Self:
        if uow is None:
            return self
        made = uow.__dict__[self._name] = self._make(uow)
        return made


class SqlUnitOfWork:
    """The repositories of one unit of work over its `Db`. Whatever was not committed when
    the `with` block ends is rolled back; a read-only unit of work cannot commit. A storage
    failure (connection lost, database locked past its timeout, disk error) surfaces as
    `StorageUnavailable`."""

    snapshots: Snapshots = IdsOnly()
    """Set by the factory: how this unit of work's events show their subjects."""

    db: Db
    """The unit of work's statements, for repositories of other modules."""
    totals: Totals
    lock_rows: bool
    """Whether reads that precede a write lock their rows (PostgreSQL's writers)."""

    def __init__(self, *, read_only: bool) -> None:
        self._read_only = read_only
        self._open = False

    def __enter__(self) -> Self:
        if self._open:
            raise RuntimeError("this unit of work is already open")
        with unavailable_on_failure():
            db, totals = self._begin()
        self._open = True
        self.db = db
        self.totals = totals
        self.lock_rows = not self._read_only and db.dialect == "postgresql"
        for name in self.__dict__.keys() & _REPOSITORIES:  # entered again: made anew on `db`
            del self.__dict__[name]
        return self

    # Each repository is made when the work first uses it: a request uses two or three.
    books = _Made(lambda u: SqlBookRepository(u.db, lock_rows=u.lock_rows, totals=u.totals))
    users = _Made(lambda u: SqlUserRepository(u.db))
    carts = _Made(lambda u: SqlCartRepository(u.db, lock_rows=u.lock_rows))
    orders = _Made(lambda u: SqlOrderRepository(u.db))
    sessions = _Made(lambda u: SqlSessionRepository(u.db))
    idempotency = _Made(lambda u: SqlIdempotencyRepository(u.db, claim_keys=u.lock_rows))
    inventory = _Made(lambda u: SqlInventory(u.db))
    catalogue = _Made(lambda u: SqlCatalogue(u.db, lock_rows=u.lock_rows))
    housekeeping = _Made(lambda u: SqlHousekeeping(u.db))
    payments = _Made(lambda u: SqlPaymentRepository(u.db))
    coupons = _Made(lambda u: SqlCouponRepository(u.db, lock_rows=u.lock_rows))
    outbox = _Made(lambda u: SqlOutbox(u.db, u.snapshots))
    deliveries = _Made(lambda u: SqlDeliveries(u.db))
    webhooks = _Made(lambda u: SqlWebhookEndpoints(u.db))
    waitlist = _Made(lambda u: SqlWaitlist(u.db))
    reviews = _Made(lambda u: SqlReviewRepository(u.db, lock_rows=u.lock_rows))
    co_purchases = _Made(lambda u: SqlCoPurchases(u.db))

    def __exit__(self, *_: object) -> None:
        if self._open:
            self._open = False
            self._end()

    def commit(self) -> None:
        if not self._open:
            raise RuntimeError("commit() outside the unit of work's `with` block")
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        with unavailable_on_failure():
            self._commit()

    def _begin(self) -> tuple[Db, Totals]:
        raise NotImplementedError

    def _commit(self) -> None:
        raise NotImplementedError

    def _end(self) -> None:
        raise NotImplementedError


_REPOSITORIES = frozenset(
    name for name, value in vars(SqlUnitOfWork).items() if isinstance(value, _Made)
)


class SqliteUnitOfWork(SqlUnitOfWork):
    """On a pooled pysqlite connection. Writers pass the gate before they take a connection,
    so waiting writers hold none. After a commit, the next statement begins a new write
    transaction (which the end rolls back unless it is committed too)."""

    def __init__(
        self,
        engine: Engine,
        *,
        read_only: bool,
        gate: WriterGate | None,
        kept: KeptConnections | None = None,
        checkpointer: WalCheckpointer | None = None,
    ) -> None:
        super().__init__(read_only=read_only)
        self._connections = kept or KeptConnections(engine, most=0)
        self._gate = None if read_only else gate
        self._checkpointer = checkpointer
        self._pooled: PoolProxiedConnection | None = None
        self._raw: sqlite3.Connection | None = None

    def _begin(self) -> tuple[Db, Totals]:
        self._pass_gate()
        try:
            pooled = self._connections.take()
            raw = pooled.driver_connection
            if not isinstance(raw, sqlite3.Connection):
                raise TypeError(f"not a pysqlite connection: {raw!r}")
            try:
                run_on_driver(raw, "BEGIN") if self._read_only else begin_immediate(raw)
            except BaseException:
                pooled.close()
                raise
        except BaseException:
            self._leave_gate()
            raise
        self._pooled, self._raw = pooled, raw
        if self._read_only:
            return DriverDb(raw), SqliteTotals.of(pooled, raw)
        return DriverDb(raw, begin=self._begin_again), Totals()

    def _begin_again(self, raw: sqlite3.Connection) -> None:
        run_on_driver(raw, "BEGIN IMMEDIATE")

    def _pass_gate(self) -> None:
        if self._read_only:
            return
        if writers_may_wait():
            if self._gate is not None:
                self._gate.acquire()
        elif self._gate is None or not self._gate.try_acquire():
            raise WriterBusy()

    def _leave_gate(self) -> None:
        if self._gate is not None:
            self._gate.release()

    def _commit(self) -> None:
        if self._raw is not None and self._raw.in_transaction:
            run_on_driver(self._raw, "COMMIT")
            if self._checkpointer is not None:
                self._checkpointer.written()

    def _end(self) -> None:
        pooled, raw, self._pooled, self._raw = self._pooled, self._raw, None, None
        try:
            if pooled is None:
                return
            try:
                if raw is not None and raw.in_transaction:
                    run_on_driver(raw, "ROLLBACK")
            except BaseException:
                pooled.invalidate()  # in no known state: never handed out again
                pooled.close()
                raise
            self._connections.give_back(pooled)
        finally:
            self._leave_gate()


class PsycopgUnitOfWork(SqlUnitOfWork):
    """On a pooled psycopg connection in autocommit mode (see `driver_pg`). Kept between
    units of work, it stays in autocommit; the pool gets it back as it lent it."""

    def __init__(
        self, connections: KeptConnections, *, read_only: bool, pipeline: bool = True
    ) -> None:
        super().__init__(read_only=read_only)
        self._connections = connections
        self._pipeline = pipeline
        self._pooled: PoolProxiedConnection | None = None
        self._raw: psycopg.Connection[Any] | None = None
        self._db: PsycopgDb | None = None

    def _begin(self) -> tuple[Db, Totals]:
        if not self._read_only and not writers_may_wait():
            raise WriterBusy()  # a server's writers may wait: never on an event loop
        pooled = self._connections.take()  # may fail with the driver's own error, unwrapped
        raw = pooled.driver_connection
        if not isinstance(raw, psycopg.Connection):
            pooled.close()
            raise TypeError(f"not a psycopg connection: {raw!r}")
        try:
            if not raw.autocommit:  # a kept connection stays in autocommit mode
                raw.autocommit = True
            db = PsycopgDb(
                _cursor_of(pooled, raw), read_only=self._read_only, pipeline=self._pipeline
            )
        except BaseException:  # a psycopg error: lost since the checkout looked at it
            pooled.invalidate()
            raise
        self._pooled, self._raw, self._db = pooled, raw, db
        return db, Totals()

    def _commit(self) -> None:
        if self._db is not None:
            self._db.commit()

    def _end(self) -> None:
        pooled, raw, db = self._pooled, self._raw, self._db
        self._pooled = self._raw = self._db = None
        if pooled is None or raw is None or db is None:
            return
        lost = False
        try:
            db.end()
        except StorageUnavailable:  # the connection is lost: the pool replaces it
            lost = True
        except BaseException:
            pooled.invalidate()
            raise
        if lost or raw.broken or raw.closed:
            pooled.invalidate()
        if pooled.is_valid:
            self._connections.give_back(pooled)
        else:
            pooled.close()


class CoreUnitOfWork(SqlUnitOfWork):
    """On a SQLAlchemy `Connection` and its root transaction (PostgreSQL, and any database
    without a driver path)."""

    def __init__(self, engine: Engine, *, read_only: bool) -> None:
        super().__init__(read_only=read_only)
        self._engine = engine
        self._conn: Connection | None = None
        self._transaction: RootTransaction | None = None

    def _begin(self) -> tuple[Db, Totals]:
        if not self._read_only and not writers_may_wait():
            raise WriterBusy()  # a server's locks may always make a writer wait
        conn = self._engine.connect()
        try:
            if self._read_only and conn.dialect.name == "postgresql":
                conn.execution_options(postgresql_readonly=True)
            self._transaction = conn.begin()
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return CoreDb(conn), Totals()

    def _commit(self) -> None:
        if self._conn is not None:
            self._conn.commit()

    def _end(self) -> None:
        conn, self._conn, self._transaction = self._conn, None, None
        if conn is not None:
            conn.close()  # rolls back what was not committed


_CURSOR = "bookstore_cursor"
"""Key of a pooled psycopg connection's `info`: the cursor its units of work share."""


def _cursor_of(pooled: PoolProxiedConnection, raw: psycopg.Connection[Any]) -> psycopg.Cursor[Any]:
    """The connection's one cursor, made on its first unit of work (see `driver_pg`). The
    pool empties `info` whenever it replaces the connection, so a cursor found there is the
    connection's own."""
    cursor: psycopg.Cursor[Any] | None = pooled.info.get(_CURSOR)
    if cursor is None:
        cursor = pooled.info[_CURSOR] = raw.cursor()
    return cursor


def _out_of_autocommit(pooled: PoolProxiedConnection) -> None:
    """What the pool expects back: a connection out of autocommit mode, as it lent it (one
    that cannot leave it is lost: the pool replaces it)."""
    try:
        pooled.driver_connection.autocommit = False  # type: ignore[union-attr]
    except psycopg.Error:
        pooled.invalidate()
