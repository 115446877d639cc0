"""Core statements run on a psycopg 3 connection directly: `DriverDb`'s twin runner for
PostgreSQL, over the same compiled statements (`statements.compiled_for`, here compiled for
SQLAlchemy's psycopg dialect with positional parameters).

- Every statement is sent with `prepare=True`: PostgreSQL parses and plans it once per
  connection, and each call only binds (psycopg keeps the prepared statements per
  connection).
- Every statement goes through one cursor, which the connection keeps from one unit of work
  to the next (`PsycopgUnitOfWork`): a new psycopg cursor sets up its adapters and its
  type conversions afresh, a measurable share of a read (docs/performance.md).
- A read-only unit of work runs its statements in autocommit, one round trip each. Under
  PostgreSQL's READ COMMITTED every statement takes its own snapshot anyway, so a read
  transaction only added its `BEGIN` and `ROLLBACK` round trips. Writing statements are
  refused on it, as a `READ ONLY` transaction refuses them.
- A write unit of work begins with `BEGIN`, sent with its first statement. Statements whose
  outcome nobody reads (`Db.send`, `Db.write_many`) wait and go with the next statement, or
  with the `COMMIT`: in one pipeline (one round trip for all of them) to a server across a
  network; one after the other to a server on this machine, where a round trip costs less
  than psycopg's pipeline mode (docs/performance.md).

Driver errors are wrapped as SQLAlchemy wraps them, and storage failures become
`StorageUnavailable`, as on every other path (`statements.storage_error`).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import psycopg
from sqlalchemy import Executable
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.sql.dml import UpdateBase

from bookstore.adapters.sql.statements import (
    Compiled,
    Params,
    Row,
    compiled_for,
    driver_error,
    statement_keys,
    storage_error,
)

_PG = PGDialect_psycopg(paramstyle="format")  # type: ignore[no-untyped-call]
_BEGIN = b"BEGIN READ WRITE"
_COMMIT = b"COMMIT"
_ROLLBACK = b"ROLLBACK"
_IDLE = psycopg.pq.TransactionStatus.IDLE

_Queued = tuple[bytes | str, Sequence[Any] | None]


class PsycopgDb:
    """Core statements on a psycopg connection in autocommit mode (see the module's doc)."""

    __slots__ = ("_conn", "_cursor", "_pipeline", "_queued", "_read_only")

    def __init__(
        self, cursor: psycopg.Cursor[Any], *, read_only: bool, pipeline: bool = True
    ) -> None:
        self._conn = cursor.connection
        self._cursor = cursor
        self._read_only = read_only
        self._pipeline = pipeline
        self._queued: list[_Queued] = [] if read_only else [(_BEGIN, None)]

    @property
    def dialect(self) -> str:
        return "postgresql"

    def rows(self, stmt: Executable, params: Params | None = None) -> list[Row]:
        compiled = self._compiled(stmt, params)
        fetched: list[Row] = self._run(compiled, params).fetchall()
        if not compiled.result:
            return fetched
        return [compiled.converted(tuple(row)) for row in fetched]

    def first(self, stmt: Executable, params: Params | None = None) -> Row | None:
        compiled = self._compiled(stmt, params)
        row = self._run(compiled, params).fetchone()
        if row is None or not compiled.result:
            return row
        return compiled.converted(tuple(row))

    def scalar(self, stmt: Executable, params: Params | None = None) -> Any:
        row = self.first(stmt, params)
        return None if row is None else row[0]

    def write(self, stmt: Executable, params: Params | None = None) -> int:
        return self._run(self._compiled(stmt, params), params).rowcount

    def send(self, stmt: Executable, params: Params | None = None) -> None:
        compiled = self._compiled(stmt, params)
        self._queued.append((compiled.sql, compiled.parameters(params)))

    def write_many(self, stmt: Executable, rows: Sequence[Params]) -> None:
        if rows:
            compiled = self._compiled(stmt, rows[0])
            self._queued.extend((compiled.sql, compiled.parameters(row)) for row in rows)

    def commit(self) -> None:
        """Send what waits, and COMMIT, in one round trip; nothing at all if nothing ran."""
        if self._queued == [(_BEGIN, None)]:
            return
        self._queued.append((_COMMIT, None))
        self._flush()
        self._queued.append((_BEGIN, None))  # a statement after the commit begins anew

    def end(self) -> None:
        """Roll back whatever this unit of work left open (nothing after a commit)."""
        self._queued.clear()
        if self._conn.pgconn.transaction_status != _IDLE:
            try:
                self._cursor.execute(_ROLLBACK)
            except psycopg.Error as error:
                raise storage_error(driver_error(error, "ROLLBACK", (), psycopg.Error)) from error

    def _compiled(self, stmt: Executable, params: Params | None) -> Compiled:
        if self._read_only and isinstance(stmt, UpdateBase):
            raise RuntimeError("a read-only unit of work cannot write")
        return compiled_for(stmt, statement_keys(stmt, params), _PG)

    def _run(self, compiled: Compiled, params: Params | None) -> psycopg.Cursor[Any]:
        values = compiled.parameters(params)
        cursor = self._cursor
        try:
            if not self._queued:
                cursor.execute(compiled.sql, values, prepare=True)
                return cursor
            with self._pipelined():
                self._send_queued()
                cursor.execute(compiled.sql, values, prepare=True)
        except psycopg.Error as error:
            self._queued.clear()
            raise storage_error(driver_error(error, compiled.sql, values, psycopg.Error)) from error
        return cursor

    def _flush(self) -> None:
        try:
            with self._pipelined():
                self._send_queued()
        except psycopg.Error as error:
            self._queued.clear()
            raise storage_error(driver_error(error, "COMMIT", (), psycopg.Error)) from error

    def _pipelined(self) -> AbstractContextManager[Any]:
        return self._conn.pipeline() if self._pipeline else nullcontext()

    def _send_queued(self) -> None:
        queued, self._queued = self._queued, []
        cursor = self._cursor
        for sql, values in queued:
            if values is None:
                cursor.execute(sql)
            else:
                cursor.execute(sql, values, prepare=True)
