"""Running Core statements in a unit of work's transaction, on either kind of connection.

Every statement is written once, as SQLAlchemy Core; repositories run it through the `Db`
of their unit of work. `CoreDb` runs it with `Connection.execute` (PostgreSQL). `DriverDb`
runs it on a pysqlite connection: compiled once per statement object and column keys,
parameters converted by the columns' bind processors, rows by their result processors,
driver errors wrapped as SQLAlchemy wraps them; the same statement, types and errors without
SQLAlchemy's per-call work, which costs more than SQLite's on short indexed statements.

So statements that run often are built once (module constants, or `lru_cache`d per shape)
with named `bindparam`s. An `IN` list is rendered into a statement compiled per call; a
cached statement binds each item by name (`in_list`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import ColumnElement, Connection, CursorResult, Executable, bindparam
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.exc import (
    DatabaseError,
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
    StatementError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.sql.dml import UpdateBase

from bookstore.application.ports import StorageUnavailable

T = TypeVar("T")
Params = Mapping[str, Any]
Row = Sequence[Any]
"""A result row, read by position in the order of the statement's columns."""


class Db(Protocol):
    """The statements of one unit of work, in its transaction."""

    dialect: str

    def rows(self, stmt: Executable, params: Params | None = None) -> list[Row]: ...

    def first(self, stmt: Executable, params: Params | None = None) -> Row | None: ...

    def scalar(self, stmt: Executable, params: Params | None = None) -> Any: ...

    def write(self, stmt: Executable, params: Params | None = None) -> int:
        """How many rows the statement changed."""
        ...

    def write_many(self, stmt: Executable, rows: Sequence[Params]) -> None: ...


class _Reads:
    """`first` and `scalar` of every `Db`, from its `rows`."""

    def rows(self, stmt: Executable, params: Params | None = None) -> list[Row]:
        raise NotImplementedError

    def first(self, stmt: Executable, params: Params | None = None) -> Row | None:
        found = self.rows(stmt, params)
        return found[0] if found else None

    def scalar(self, stmt: Executable, params: Params | None = None) -> Any:
        row = self.first(stmt, params)
        return None if row is None else row[0]


class CoreDb(_Reads):
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self.dialect = conn.dialect.name

    def rows(self, stmt: Executable, params: Params | None = None) -> list[Row]:
        return list(self._execute(stmt, params).all())

    def write(self, stmt: Executable, params: Params | None = None) -> int:
        return self._execute(stmt, params).rowcount

    def write_many(self, stmt: Executable, rows: Sequence[Params]) -> None:
        if rows:
            self._execute(stmt, list(rows))

    def _execute(self, stmt: Executable, params: Any) -> CursorResult[Any]:
        try:
            return self._conn.execute(stmt, params)
        except DBAPIError as error:
            raise storage_error(error) from error


class DriverDb(_Reads):
    """With `begin`, a statement run outside a transaction (after a commit) begins one."""

    dialect = "sqlite"

    def __init__(
        self, conn: sqlite3.Connection, begin: Callable[[sqlite3.Connection], None] | None = None
    ) -> None:
        self._conn = conn
        self._begin = begin

    def rows(self, stmt: Executable, params: Params | None = None) -> list[Row]:
        compiled = _compiled(stmt, _keys(stmt, params))
        fetched = self._run(compiled, compiled.parameters(params)).fetchall()
        return [_converted(compiled, row) for row in fetched] if compiled.result else fetched

    def write(self, stmt: Executable, params: Params | None = None) -> int:
        compiled = _compiled(stmt, _keys(stmt, params))
        return self._run(compiled, compiled.parameters(params)).rowcount

    def write_many(self, stmt: Executable, rows: Sequence[Params]) -> None:
        if rows:
            compiled = _compiled(stmt, _keys(stmt, rows[0]))
            self._run(compiled, [compiled.parameters(row) for row in rows], many=True)

    def _run(self, compiled: _Compiled, values: Any, *, many: bool = False) -> sqlite3.Cursor:
        if self._begin is not None and not self._conn.in_transaction:
            self._begin(self._conn)
        try:
            if many:
                return self._conn.executemany(compiled.sql, values)
            return self._conn.execute(compiled.sql, values)
        except sqlite3.Error as error:
            raise storage_error(driver_error(error, compiled.sql, ())) from error


_Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True, eq=False)  # told apart by identity: a memo key
class _Compiled:
    """One statement as SQLite's driver takes it."""

    sql: str
    names: tuple[str, ...]
    """The parameters' names, in the order of the `?` marks."""
    values: Mapping[str, Any]
    """The values bound in the statement itself (literals, a rendered `IN` list)."""
    bind: tuple[_Processor | None, ...]
    result: tuple[tuple[int, _Processor], ...]
    """The result columns to convert: (position, processor)."""
    required: frozenset[str]

    def parameters(self, params: Params | None) -> tuple[Any, ...]:
        """The values for the `?` marks; a value its type refuses is a `StatementError`."""
        given = params or {}
        if missing := self.required - given.keys():
            raise ValueError(f"no value for {', '.join(sorted(missing))} in: {self.sql}")
        values = [given[n] if n in given else self.values[n] for n in self.names]
        try:
            return tuple(
                v if p is None or v is None else p(v)
                for v, p in zip(values, self.bind, strict=True)
            )
        except (TypeError, ValueError) as error:
            message = f"(in parameter processing) {type(error).__name__}: {error}"
            raise StatementError(message, self.sql, None, error) from error


@lru_cache(maxsize=2048)
def _converted(compiled: _Compiled, row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row in Python's types. The values are immutable (times, UUIDs), so the rows read
    most often are converted once and shared."""
    values = list(row)
    for position, processor in compiled.result:
        if (value := values[position]) is not None:
            values[position] = processor(value)
    return tuple(values)


_SQLITE = SQLiteDialect_pysqlite(paramstyle="qmark")
_COMPILED: WeakKeyDictionary[Executable, dict[tuple[str, ...], _Compiled]] = WeakKeyDictionary()


def _keys(stmt: Executable, params: Params | None) -> tuple[str, ...]:
    """What an INSERT or UPDATE without `.values()` writes depends on the keys given."""
    return tuple(params) if params and isinstance(stmt, UpdateBase) else ()


def _compiled(stmt: Executable, keys: tuple[str, ...]) -> _Compiled:
    shapes = _COMPILED.setdefault(stmt, {})
    if (found := shapes.get(keys)) is None:
        found = shapes[keys] = _compile(stmt, list(keys) or None)
    return found


def _compile(stmt: Any, keys: list[str] | None) -> _Compiled:
    compiled = stmt.compile(dialect=_SQLITE, column_keys=keys)
    if compiled.post_compile_params:  # an `IN` list: its values become part of the statement
        kwargs = {"render_postcompile": True}
        compiled = stmt.compile(dialect=_SQLITE, column_keys=keys, compile_kwargs=kwargs)
    names = tuple(compiled.positiontup or ())
    # `<name>_<n>` is the n-th item of a rendered `IN` list `<name>`
    binds = [compiled.binds.get(n, compiled.binds.get(n.rpartition("_")[0])) for n in names]
    results = (_processor(c.type, "result") for c in getattr(stmt, "exported_columns", ()))
    return _Compiled(
        compiled.string,
        names,
        compiled.construct_params(_check=False),
        tuple(_processor(bind.type, "bind") for bind in binds),
        tuple((n, p) for n, p in enumerate(results) if p is not None),
        frozenset(
            n for n, b in zip(names, binds, strict=True) if n in compiled.binds and b.required
        ),
    )


def _processor(type_: Any, kind: str) -> _Processor | None:
    impl = type_.dialect_impl(_SQLITE)
    found: _Processor | None = (
        impl.bind_processor(_SQLITE) if kind == "bind" else impl.result_processor(_SQLITE, None)
    )
    return found


MAX_IN_LIST = 100
"""The most values one `in_list` binds; longer lists go in several statements (`chunks`)."""


def in_list(column: ColumnElement[Any], count: int) -> ColumnElement[bool]:
    """`column IN (:item0, :item1, ...)`: compiled once per length (values: `list_params`)."""
    return column.in_([bindparam(f"item{n}", type_=column.type) for n in range(count)])


def list_params(values: Sequence[Any]) -> dict[str, Any]:
    return {f"item{n}": value for n, value in enumerate(values)}


def chunks(values: Sequence[T]) -> list[Sequence[T]]:
    return [values[start : start + MAX_IN_LIST] for start in range(0, len(values), MAX_IN_LIST)]


def contains_pattern(text: str) -> str:
    """A LIKE pattern (`ESCAPE '/'`) matching `text` as a literal substring."""
    return "%" + text.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


_UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)


def storage_error(error: DBAPIError | PoolTimeout | DisconnectionError) -> Exception:
    """`StorageUnavailable` when the storage itself failed (connection lost, locked past its
    timeout, disk error, an unreadable file); otherwise the error as it is (a constraint a
    repository recognises, or a bug)."""
    invalidated = isinstance(error, DBAPIError) and error.connection_invalidated
    if isinstance(error, _UNAVAILABLE) or invalidated or type(error) is DatabaseError:
        orig = getattr(error, "orig", None) or error  # its first line: SQLAlchemy's text
        first_line = (str(orig).strip().splitlines() or [""])[0]  # would quote parameters
        return StorageUnavailable(f"{type(orig).__name__}: {first_line}")
    return error


@contextmanager
def unavailable_on_failure() -> Iterator[None]:
    """Around checkout, begin and commit; a new pysqlite connection's set-up may fail with
    the driver's own error (an unreadable file)."""
    try:
        yield
    except (DBAPIError, PoolTimeout, DisconnectionError) as error:
        raise storage_error(error) from error
    except sqlite3.Error as error:
        raise storage_error(driver_error(error, "", ())) from error


def run_on_driver(conn: sqlite3.Connection, sql: str) -> None:
    """A statement of SQLite's own (BEGIN, COMMIT, a PRAGMA), errors wrapped."""
    try:
        conn.execute(sql).close()
    except sqlite3.Error as error:
        raise driver_error(error, sql, ()) from error


def driver_error(error: sqlite3.Error, statement: str, params: tuple[Any, ...]) -> DBAPIError:
    """A pysqlite error wrapped as SQLAlchemy wraps it (`OperationalError`, ...)."""
    wrapped = DBAPIError.instance(statement, params, error, sqlite3.Error)
    assert isinstance(wrapped, DBAPIError)  # noqa: S101 (a DB-API error is always wrapped so)
    return wrapped
