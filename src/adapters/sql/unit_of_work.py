"""The SQL unit of work: one Core connection and one transaction per `with` block."""

from __future__ import annotations

import sqlite3
from collections import deque
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine, event
from sqlalchemy.pool import QueuePool

from bookstore.adapters.sql.books import SqlBookRepository
from bookstore.adapters.sql.carts import SqlCartRepository
from bookstore.adapters.sql.engine import (
    READ_ONLY,
    WriterBusy,
    WriterGate,
    begin_write_on_driver,
    run_sqlite,
    sqlite_driver,
    writer_gate,
    writers_may_wait,
)
from bookstore.adapters.sql.idempotency import SqlIdempotencyRepository
from bookstore.adapters.sql.movements import SqlInventory
from bookstore.adapters.sql.orders import SqlOrderRepository
from bookstore.adapters.sql.sessions import SqlSessionRepository
from bookstore.adapters.sql.users import SqlUserRepository


class SqlUnitOfWorkFactory:
    """`factory(read_only=...)` opens units of work on one engine (see `make_engine`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._gate = writer_gate(engine)
        # A SQLite file engine has a writer gate; its units of work may keep connections.
        sqlite_file = self._gate is not None
        self._readers = SqliteReaders(engine) if sqlite_file else None
        self._writer = SqliteWriter(engine) if sqlite_file else None

    def __call__(self, *, read_only: bool = False) -> SqlUnitOfWork:
        if read_only:
            return SqlUnitOfWork(self.engine, read_only=True, readers=self._readers)
        return SqlUnitOfWork(self.engine, gate=self._gate, writer=self._writer)


class SqliteReaders:
    """A few connections kept for SQLite's read-only units of work, each with its read-only
    option set, to spare the checkout, the option and the transaction objects a unit of work
    would otherwise build and drop (an empty read-only unit of work: 26 -> 6 us; a catalogue
    read is tens of microseconds). A reader begins and rolls back its transaction on the
    driver. Only connections whose statements nobody watches are kept (see `sqlite_driver`),
    and only while the pool has room to spare, so writers never wait for a kept reader;
    `engine.dispose()` closes them."""

    KEPT = 4

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._idle: deque[Connection] = deque()
        event.listen(engine, "engine_disposed", self._close_idle)

    def begin(self) -> tuple[Connection, sqlite3.Connection | None]:
        """A connection in a new deferred transaction, and its driver connection if it may
        be kept (nobody watches its statements, now)."""
        try:
            conn = self._idle.pop()
        except IndexError:
            conn = self._engine.connect().execution_options(**{READ_ONLY: True})
        raw = sqlite_driver(conn)
        if raw is None:  # watched: the ordinary way, statements and all
            conn.begin()
            return conn, None
        try:
            run_sqlite(raw, "BEGIN", ())
        except BaseException:
            conn.close()
            raise
        return conn, raw

    def end(self, conn: Connection, raw: sqlite3.Connection) -> None:
        """Roll back the reader's transaction and keep its connection, or close it."""
        _roll_back(conn, raw)
        keep = len(self._idle) < self.KEPT and _keepable(self._engine, conn, raw)
        if keep:
            self._idle.append(conn)
        else:
            conn.close()

    def _close_idle(self, _: Any = None) -> None:
        while self._idle:
            _close_outright(self._idle.pop())


class SqliteWriter:
    """The connection this process's SQLite writers use in turn: the writer gate lets one
    through at a time, so one kept connection serves them all, sparing each write the
    checkout and the transaction objects (as `SqliteReaders` does for reads). The write
    transaction is begun on the driver (`begin_write_on_driver`), committed through
    SQLAlchemy if a statement of its own joined it, else on the driver. Kept only while the
    pool has room and nobody watches the statements; `engine.dispose()` closes it."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._kept: Connection | None = None
        event.listen(engine, "engine_disposed", self._close_kept)

    def begin(self) -> tuple[Connection, sqlite3.Connection | None]:
        """Called with the writer gate held. A connection in a new write transaction, and
        its driver connection if it may be kept; `WriterBusy` as `begin_write_on_driver`."""
        conn, self._kept = self._kept, None
        if conn is None:
            conn = self._engine.connect()
        raw = sqlite_driver(conn)
        try:
            if raw is None:  # watched: the ordinary way, statements and all
                conn.begin()
            else:
                begin_write_on_driver(raw)
        except WriterBusy:
            self._keep(conn, raw)  # it did nothing: no transaction to end
            raise
        except BaseException:
            conn.close()
            raise
        return conn, raw

    def commit(self, conn: Connection, raw: sqlite3.Connection) -> None:
        if conn.in_transaction():  # a statement run through SQLAlchemy joined the transaction
            conn.commit()
        elif raw.in_transaction:
            run_sqlite(raw, "COMMIT", ())

    def end(self, conn: Connection, raw: sqlite3.Connection | None) -> None:
        """Roll back whatever was not committed; keep the connection, or close it."""
        _roll_back(conn, raw)
        self._keep(conn, raw)

    def _keep(self, conn: Connection, raw: sqlite3.Connection | None) -> None:
        if self._kept is None and _keepable(self._engine, conn, raw):
            self._kept = conn
        else:
            conn.close()

    def _close_kept(self, _: Any = None) -> None:
        conn, self._kept = self._kept, None
        if conn is not None:
            _close_outright(conn)


def _roll_back(conn: Connection, raw: sqlite3.Connection | None) -> None:
    """End what is still open of a kept connection's transaction: SQLAlchemy's, if a
    statement of its own joined it, and the driver's. A connection that fails it is closed."""
    try:
        if conn.in_transaction():
            conn.rollback()
        if raw is not None and raw.in_transaction:
            run_sqlite(raw, "ROLLBACK", ())
    except BaseException:
        conn.close()
        raise


def _keepable(engine: Engine, conn: Connection, raw: sqlite3.Connection | None) -> bool:
    """A connection may be kept while nobody watches its statements and the pool has room
    to spare (this connection counted), so that no one waits for a kept connection."""
    pool = engine.pool
    room = isinstance(pool, QueuePool) and pool.checkedout() < pool.size()
    return room and raw is not None and sqlite_driver(conn) is raw


def _close_outright(conn: Connection) -> None:
    """At `engine.dispose()`: the pool that lent a kept connection is gone, so it is closed
    outright (given back, it would linger in that pool)."""
    conn.invalidate()
    conn.close()


class SqlUnitOfWork:
    """A connection is checked out on entering and always returned on leaving; whatever was
    not committed is rolled back. A read-only unit of work begins a deferred transaction on
    SQLite and a `READ ONLY` one on PostgreSQL, and cannot commit."""

    books: SqlBookRepository
    users: SqlUserRepository
    carts: SqlCartRepository
    orders: SqlOrderRepository
    sessions: SqlSessionRepository
    idempotency: SqlIdempotencyRepository
    inventory: SqlInventory

    def __init__(
        self,
        engine: Engine,
        *,
        read_only: bool = False,
        gate: WriterGate | None = None,
        readers: SqliteReaders | None = None,
        writer: SqliteWriter | None = None,
    ) -> None:
        self._engine = engine
        self._read_only = read_only
        self._gate = gate
        self._readers = readers
        self._writer = writer
        self._raw: sqlite3.Connection | None = None  # of a kept connection
        self._conn: Connection | None = None

    def __enter__(self) -> Self:
        if self._conn is not None:
            raise RuntimeError("this unit of work is already open")
        if self._readers is not None:
            conn, self._raw = self._readers.begin()
            return self._open(conn)
        self._pass_gate()
        if self._writer is not None:
            try:
                conn, self._raw = self._writer.begin()
            except BaseException:
                if self._gate is not None:
                    self._gate.release()
                raise
            return self._open(conn)
        try:
            conn = self._engine.connect()
            try:
                if options := self._options(conn):
                    conn.execution_options(**options)
                conn.begin()
            except BaseException:
                conn.close()
                raise
        except BaseException:
            if self._gate is not None:
                self._gate.release()
            raise
        return self._open(conn)

    def _open(self, conn: Connection) -> Self:
        self._conn = conn
        lock_rows = not self._read_only and conn.dialect.name == "postgresql"
        self.books = SqlBookRepository(conn, lock_rows=lock_rows)
        self.users = SqlUserRepository(conn)
        self.carts = SqlCartRepository(conn, lock_rows=lock_rows)
        self.orders = SqlOrderRepository(conn)
        self.sessions = SqlSessionRepository(conn)
        self.idempotency = SqlIdempotencyRepository(conn, claim_keys=lock_rows)
        self.inventory = SqlInventory(conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        raw, self._raw = self._raw, None
        if raw is not None and self._readers is not None:
            self._readers.end(conn, raw)
            return
        if self._writer is not None:
            try:
                self._writer.end(conn, raw)
            finally:
                if self._gate is not None:
                    self._gate.release()
            return
        try:
            if conn.in_transaction():
                conn.rollback()
        finally:
            try:
                conn.close()
            finally:
                if self._gate is not None:
                    self._gate.release()

    def _pass_gate(self) -> None:
        """Writers pass the gate before they take a connection: waiting writers hold none."""
        if self._read_only or writers_may_wait():
            if self._gate is not None:
                self._gate.acquire()
        elif self._gate is None or not self._gate.try_acquire():
            raise WriterBusy()

    def commit(self) -> None:
        if self._conn is None:
            raise RuntimeError("commit() outside the unit of work's `with` block")
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        if self._writer is not None and self._raw is not None:
            self._writer.commit(self._conn, self._raw)
        else:
            self._conn.commit()

    def _options(self, conn: Connection) -> dict[str, Any]:
        if not self._read_only:
            return {}
        if conn.dialect.name == "postgresql":
            return {READ_ONLY: True, "postgresql_readonly": True}
        return {READ_ONLY: True}
