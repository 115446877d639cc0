"""Running Core statements in a unit of work's transaction, on either kind of connection.

Every statement of the SQL adapters is written once, as SQLAlchemy Core. A repository runs
it through the `Db` of its unit of work:

- `CoreDb`, over a SQLAlchemy `Connection` (a database without a driver path):
  `Connection.execute`, with its compiled cache, events and type processing.
- `DriverDb`, over a pysqlite connection (SQLite): the statement compiled once per statement
  object, column keys and dialect (`compiled_for`), its parameters put in the compiled order
  and converted by the columns' own bind processors, rows converted by the result
  processors, and driver errors wrapped as SQLAlchemy wraps them. The same statement, the
  same types, the same errors, without SQLAlchemy's per-call work, which costs more than
  SQLite's own on the short indexed statements of this application.
- `driver_pg.PsycopgDb`, over a psycopg connection (PostgreSQL): the same compiled
  statements (`compiled_for`, here for the psycopg dialect), prepared on the server, with
  fewer round trips (see there).

Statements that run often are built once (module constants, or `functools.lru_cache`d per
shape) with named `bindparam`s, so their compiled form is reused; a statement built per call
is compiled per call. Expanding `IN` parameters are rendered at compile time, so a cached
statement must bind each list item by name (see `books.in_list`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from weakref import WeakKeyDictionary

import psycopg
from sqlalchemy import (
    ColumnElement,
    Connection,
    CursorResult,
    Executable,
    FromClause,
    Insert,
    Select,
    Table,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import Dialect
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
from bookstore.domain.pagination import Page, PageRequest

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")
Params = Mapping[str, Any]
Row = Sequence[Any]
"""A result row: read by position, in the order of the statement's columns."""


class Db(Protocol):
    """The statements of one unit of work, in its transaction."""

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        ...

    def rows(self, stmt: Executable, params: Params | None = None) -> list[Row]: ...

    def first(self, stmt: Executable, params: Params | None = None) -> Row | None: ...

    def scalar(self, stmt: Executable, params: Params | None = None) -> Any: ...

    def write(self, stmt: Executable, params: Params | None = None) -> int:
        """Run a statement that returns no rows; how many rows it changed."""
        ...

    def write_many(self, stmt: Executable, rows: Sequence[Params]) -> None:
        """Run a statement once per parameter set (all with the same keys). A driver may
        send them with the next statement or the commit (see `send`)."""
        ...

    def send(self, stmt: Executable, params: Params | None = None) -> None:
        """Run a statement whose outcome nobody reads: a driver may send it together with the
        next statement or the commit, in one round trip, so its errors may surface there."""
        ...


class CoreDb:
    __slots__ = ("_conn",)

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    @property
    def dialect(self) -> str:
        return self._conn.dialect.name

    def rows(self, stmt: Executable, params: Params | None = None) -> list[Row]:
        return list(self._execute(stmt, params).all())

    def first(self, stmt: Executable, params: Params | None = None) -> Row | None:
        return self._execute(stmt, params).first()

    def scalar(self, stmt: Executable, params: Params | None = None) -> Any:
        return self._execute(stmt, params).scalar()

    def write(self, stmt: Executable, params: Params | None = None) -> int:
        return self._execute(stmt, params).rowcount

    def write_many(self, stmt: Executable, rows: Sequence[Params]) -> None:
        if rows:
            self._execute(stmt, list(rows))

    def send(self, stmt: Executable, params: Params | None = None) -> None:
        self._execute(stmt, params)

    def _execute(self, stmt: Executable, params: Any) -> CursorResult[Any]:
        try:
            return self._conn.execute(stmt, params)
        except DBAPIError as error:
            raise storage_error(error) from error


MAX_IN_LIST = 100
"""The most values one `in_list` binds; longer lists go in several statements (`rows_in`)."""


def in_list(column: ColumnElement[Any], count: int) -> ColumnElement[bool]:
    """`column IN (:item0, :item1, ...)` with `count` named parameters, so a statement built
    for one length is compiled once (run by `rows_in`)."""
    return column.in_([bindparam(f"item{n}", type_=column.type) for n in range(count)])


def rows_in(
    db: Db, statement: Callable[[int], Executable], values: Sequence[Any], **params: Any
) -> Iterator[Row]:
    """The rows of `statement(count)`, built with an `in_list` of `count` items, for all
    `values`: one statement per piece of at most `MAX_IN_LIST` of them."""
    for start in range(0, len(values), MAX_IN_LIST):
        piece = values[start : start + MAX_IN_LIST]
        items = {f"item{n}": value for n, value in enumerate(piece)}
        yield from db.rows(statement(len(piece)), items | params)


def contains_pattern(text: str) -> str:
    """A LIKE pattern (`ESCAPE '/'`) matching `text` as a literal substring."""
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def listing(
    source: FromClause,
    columns: Iterable[Any],
    where: Sequence[ColumnElement[bool]],
    order: Sequence[Any],
) -> tuple[Select[Any], Select[Any]]:
    """A listing's page of `columns` (`limit` and `offset` bound), and the count of its rows."""
    page = (
        select(*columns)
        .select_from(source)
        .where(*where)
        .order_by(*order)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    return page, select(func.count()).select_from(source).where(*where)


def page_of(items: list[T], page: PageRequest, count: Callable[[], Any]) -> Page[T]:
    """The page, with its total: a short page (not past the end) is the last one, whose
    total needs no `count()`."""
    if len(items) < page.page_size and (items or page.offset == 0):
        return Page.of(items, page, page.offset + len(items))
    return Page.of(items, page, int(count()))


def fields_of(record: DataclassInstance) -> dict[str, Any]:
    """A dataclass's fields by name: the row of a table whose columns are named after them."""
    return {field.name: getattr(record, field.name) for field in fields(record)}


def unless_there(table: Table, columns: list[str] | None = None) -> dict[str, Insert]:
    """`INSERT ... ON CONFLICT DO NOTHING` into `table`, per dialect name; with `columns`,
    only a conflict on their unique index (`ON CONFLICT (columns)`)."""
    return {
        "sqlite": sqlite.insert(table).on_conflict_do_nothing(index_elements=columns),
        "postgresql": postgresql.insert(table).on_conflict_do_nothing(index_elements=columns),
    }


_SQLITE = SQLiteDialect_pysqlite(paramstyle="qmark")
_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True, eq=False)  # told apart by identity: hashed as a memo key
class Compiled:
    """One statement as a driver takes it (positional parameters)."""

    sql: str
    names: tuple[str, ...]
    """The parameters' names in the order of the `?` marks."""
    values: Mapping[str, Any]
    """The values bound in the statement itself (literals, rendered `IN` lists)."""
    bind: tuple[_Processor, ...]
    result: tuple[tuple[int, Callable[[Any], Any]], ...]
    """The result columns that need converting: (position, processor)."""
    required: frozenset[str]
    """The parameters the caller must give."""

    def parameters(self, params: Params | None) -> tuple[Any, ...]:
        """The values for the `?` marks, converted as their columns' types say; a value a
        type refuses is a `StatementError`, as SQLAlchemy reports it."""
        given = params or {}
        if not self.required <= given.keys():
            missing = ", ".join(sorted(self.required - given.keys()))
            raise ValueError(f"no value for the parameters {missing} of: {self.sql}")
        values = [given[n] if n in given else self.values[n] for n in self.names]
        try:
            return tuple(
                v if p is None or v is None else p(v)
                for v, p in zip(values, self.bind, strict=True)
            )
        except (TypeError, ValueError) as error:
            message = f"(in parameter processing) {type(error).__name__}: {error}"
            raise StatementError(message, self.sql, None, error) from error

    def converted(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        return _converted(self, row)


@lru_cache(maxsize=2048)
def _converted(compiled: Compiled, row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row with its values converted to Python's types. The converted values are
    immutable (times, UUIDs, decimals), so the rows read most often (a catalogue's first
    pages, its best sellers) are converted once and shared."""
    values = list(row)
    for position, processor in compiled.result:
        if (value := values[position]) is not None:
            values[position] = processor(value)
    return tuple(values)


_COMPILED: WeakKeyDictionary[Executable, dict[tuple[str, tuple[str, ...]], Compiled]] = (
    WeakKeyDictionary()
)


def compiled_for(stmt: Executable, keys: tuple[str, ...], dialect: Dialect = _SQLITE) -> Compiled:
    """The statement compiled for a driver, once per statement object, dialect and, for
    INSERT and UPDATE without `.values()`, set of column keys given."""
    shapes = _COMPILED.get(stmt)
    if shapes is None:
        shapes = _COMPILED[stmt] = {}
    found = shapes.get((dialect.name, keys))
    if found is None:
        found = shapes[(dialect.name, keys)] = _compile(stmt, keys, dialect)
    return found


def statement_keys(stmt: Executable, params: Params | None) -> tuple[str, ...]:
    """What an INSERT or UPDATE without `.values()` writes depends on the keys given."""
    return tuple(params) if params and isinstance(stmt, UpdateBase) else ()


def _compile(stmt: Executable, keys: tuple[str, ...], dialect: Dialect) -> Compiled:
    compiled = stmt.compile(  # type: ignore[attr-defined]
        dialect=dialect,
        column_keys=list(keys) if keys else None,
        # An `IN` list is rendered: its values are part of the statement.
        compile_kwargs={"render_postcompile": True},
    )
    names = tuple(compiled.positiontup or ())
    values = compiled.construct_params(_check=False)
    bind = tuple(_bind_processor(compiled, name, dialect) for name in names)
    columns = getattr(stmt, "exported_columns", ())
    processors = (c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
    result = tuple((n, p) for n, p in enumerate(processors) if p is not None)
    binds = compiled.binds
    required = frozenset(name for name in names if name in binds and binds[name].required)
    return Compiled(compiled.string, names, values, bind, result, required)


def _bind_processor(compiled: Any, name: str, dialect: Dialect) -> _Processor:
    bound = compiled.binds.get(name)
    if bound is None:  # `<name>_<n>`: the n-th item of a rendered `IN` list
        bound = compiled.binds[name.rpartition("_")[0]]
    processor: _Processor = bound.type.dialect_impl(dialect).bind_processor(dialect)
    return processor


class DriverDb:
    """Core statements run on a pysqlite connection directly (see the module's doc). With
    `begin`, a statement run outside a transaction (after a commit) begins one first."""

    __slots__ = ("_begin", "_conn")

    def __init__(
        self,
        conn: sqlite3.Connection,
        begin: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        self._conn = conn
        self._begin = begin

    @property
    def dialect(self) -> str:
        return "sqlite"

    def rows(self, stmt: Executable, params: Params | None = None) -> list[Row]:
        compiled = compiled_for(stmt, statement_keys(stmt, params))
        fetched = self._run(compiled, params).fetchall()
        if not compiled.result:
            return fetched
        return [compiled.converted(row) for row in fetched]

    def first(self, stmt: Executable, params: Params | None = None) -> Row | None:
        compiled = compiled_for(stmt, statement_keys(stmt, params))
        row = self._run(compiled, params).fetchone()
        if row is None or not compiled.result:
            return row  # type: ignore[no-any-return]
        return compiled.converted(row)

    def scalar(self, stmt: Executable, params: Params | None = None) -> Any:
        row = self.first(stmt, params)
        return None if row is None else row[0]

    def write(self, stmt: Executable, params: Params | None = None) -> int:
        compiled = compiled_for(stmt, statement_keys(stmt, params))
        return self._run(compiled, params).rowcount

    def send(self, stmt: Executable, params: Params | None = None) -> None:
        self.write(stmt, params)

    def write_many(self, stmt: Executable, rows: Sequence[Params]) -> None:
        if not rows:
            return
        compiled = compiled_for(stmt, statement_keys(stmt, rows[0]))
        values = [compiled.parameters(row) for row in rows]
        if self._begin is not None and not self._conn.in_transaction:
            self._begin(self._conn)
        try:
            self._conn.executemany(compiled.sql, values)
        except sqlite3.Error as error:
            raise storage_error(driver_error(error, compiled.sql, values[0])) from error

    def _run(self, compiled: Compiled, params: Params | None) -> sqlite3.Cursor:
        values = compiled.parameters(params)
        if self._begin is not None and not self._conn.in_transaction:
            self._begin(self._conn)
        try:
            return self._conn.execute(compiled.sql, values)
        except sqlite3.Error as error:
            raise storage_error(driver_error(error, compiled.sql, values)) from error


_UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)


def storage_error(error: DBAPIError | PoolTimeout | DisconnectionError) -> Exception:
    """What the callers see of a failed statement: `StorageUnavailable` when the storage
    itself failed (connection lost, locked past its timeout, disk error, an unreadable
    file), the error as it is otherwise (a constraint a repository recognises, or a bug)."""
    invalidated = isinstance(error, DBAPIError) and error.connection_invalidated
    unreadable = type(error) is DatabaseError  # not a database, or a damaged one
    if isinstance(error, _UNAVAILABLE) or invalidated or unreadable:
        return StorageUnavailable(_driver_message(error))
    return error


def _driver_message(error: Exception) -> str:
    """The driver's own first line (never SQLAlchemy's text, which quotes the parameters)."""
    orig = getattr(error, "orig", None) or error
    lines = str(orig).strip().splitlines() or [""]
    return f"{type(orig).__name__}: {lines[0]}"


@contextmanager
def unavailable_on_failure() -> Iterator[None]:
    """Around work on a connection outside a statement (checkout, begin, commit). A new
    connection's set-up may fail with the driver's own error (an unreadable file, a lost
    connection)."""
    try:
        yield
    except (DBAPIError, PoolTimeout, DisconnectionError) as error:
        raise storage_error(error) from error
    except sqlite3.Error as error:
        raise storage_error(driver_error(error, "", ())) from error
    except psycopg.Error as error:
        raise storage_error(driver_error(error, "", (), psycopg.Error)) from error


def run_on_driver(conn: sqlite3.Connection, sql: str) -> None:
    """A fixed statement of SQLite's own (BEGIN, COMMIT, a PRAGMA), errors wrapped."""
    try:
        conn.execute(sql).close()
    except sqlite3.Error as error:
        raise driver_error(error, sql, ()) from error


def driver_error(
    error: Exception,
    statement: str,
    params: tuple[Any, ...],
    base: type[Exception] = sqlite3.Error,
) -> DBAPIError:
    """A driver's error (pysqlite's, or psycopg's with its `base`) wrapped as SQLAlchemy
    wraps it (`OperationalError`, `IntegrityError`, ...), so callers see one kind of error
    whichever way a statement ran."""
    wrapped = DBAPIError.instance(statement, params, error, base)
    assert isinstance(wrapped, DBAPIError)  # noqa: S101 (a DB-API error is always wrapped so)
    return wrapped
