"""The SQL unit of work: one Core connection and one transaction per `with` block."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine

from bookstore.adapters.sql.books import SqlBookRepository
from bookstore.adapters.sql.carts import SqlCartRepository
from bookstore.adapters.sql.engine import (
    READ_ONLY,
    FifoLock,
    WriterBusy,
    writer_gate,
    writers_may_wait,
)
from bookstore.adapters.sql.idempotency import SqlIdempotencyRepository
from bookstore.adapters.sql.orders import SqlOrderRepository
from bookstore.adapters.sql.sessions import SqlSessionRepository
from bookstore.adapters.sql.users import SqlUserRepository


class SqlUnitOfWorkFactory:
    """`factory(read_only=...)` opens units of work on one engine (see `make_engine`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._gate = writer_gate(engine)

    def __call__(self, *, read_only: bool = False) -> SqlUnitOfWork:
        gate = None if read_only else self._gate
        return SqlUnitOfWork(self.engine, read_only=read_only, gate=gate)


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

    def __init__(
        self, engine: Engine, *, read_only: bool = False, gate: FifoLock | None = None
    ) -> None:
        self._engine = engine
        self._read_only = read_only
        self._gate = gate
        self._conn: Connection | None = None

    def __enter__(self) -> Self:
        if self._conn is not None:
            raise RuntimeError("this unit of work is already open")
        self._pass_gate()
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
        self._conn = conn
        lock_rows = not self._read_only and conn.dialect.name == "postgresql"
        self.books = SqlBookRepository(conn, lock_rows=lock_rows)
        self.users = SqlUserRepository(conn)
        self.carts = SqlCartRepository(conn, lock_rows=lock_rows)
        self.orders = SqlOrderRepository(conn)
        self.sessions = SqlSessionRepository(conn)
        self.idempotency = SqlIdempotencyRepository(conn, claim_keys=lock_rows)
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
        self._conn.commit()

    def _options(self, conn: Connection) -> dict[str, Any]:
        if not self._read_only:
            return {}
        if conn.dialect.name == "postgresql":
            return {READ_ONLY: True, "postgresql_readonly": True}
        return {READ_ONLY: True}
