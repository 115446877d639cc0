"""What only the SQL adapters promise: engine settings, transactions and connections."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sql_support import T0, Backend, add_books, details, recorded_statements
from sqlalchemy import event, func, select
from sqlalchemy.pool import QueuePool, StaticPool

from bookstore.adapters.sql import SqlUnitOfWorkFactory, make_engine, unit_of_work, upgrade_engine
from bookstore.application.ports import StorageUnavailable
from bookstore.application.queries import BookQuery
from bookstore.domain.book import STOCK
from bookstore.domain.errors import DuplicateIsbn, InvalidInput


@pytest.fixture
def statements(sqlite_backend: Backend) -> Iterator[list[tuple[str, Any]]]:
    with recorded_statements(sqlite_backend.engine) as seen:
        yield seen


def test_sqlite_connections_are_configured_for_concurrency(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        assert isinstance(engine.pool, QueuePool)
        with engine.connect() as conn:
            pragma = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")
            }
    finally:
        engine.dispose()
    assert pragma == {
        "journal_mode": "wal",
        "busy_timeout": 5000,
        "foreign_keys": 1,
        "synchronous": 1,
    }


def test_the_pool_can_be_sized_to_the_threads_that_use_it(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url, pool_size=3, max_overflow=1)
    try:
        assert isinstance(engine.pool, QueuePool)
        assert (engine.pool.size(), engine.pool._max_overflow) == (3, 1)
    finally:
        engine.dispose()


def test_in_memory_sqlite_shares_one_connection_and_can_be_migrated() -> None:
    engine = make_engine("sqlite://")
    try:
        assert isinstance(engine.pool, StaticPool)
        upgrade_engine(engine)
        factory = SqlUnitOfWorkFactory(engine)
        (book,) = add_books(factory, details())
        with factory(read_only=True) as uow:
            assert uow.books.get(book.id) == book
    finally:
        engine.dispose()


def _terminate(postgres_url: str, pid: int) -> None:
    """The server ends another session's connection, as a restart or an admin would."""
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", (pid,))
        deadline = time.monotonic() + 5
        alive = "SELECT count(*) FROM pg_stat_activity WHERE pid = %s"
        while time.monotonic() < deadline and other.execute(alive, (pid,)).fetchone() != (0,):
            time.sleep(0.05)


@pytest.mark.postgres
def test_postgresql_connections_the_server_dropped_are_replaced_without_a_ping(
    postgres_url: str,
) -> None:
    engine = make_engine(postgres_url.replace("postgresql+psycopg://", "postgresql://"))
    try:
        assert engine.dialect.driver == "psycopg"
        assert not engine.pool._pre_ping  # type: ignore[attr-defined]
        upgrade_engine(engine)
        factory = SqlUnitOfWorkFactory(engine)
        (book,) = add_books(factory, details())
        with factory(read_only=True) as uow:
            assert uow.books.get(book.id) == book
            pid = uow.db.scalar(select(func.pg_backend_pid()))
        _terminate(postgres_url, pid)
        with factory(read_only=True) as uow:  # a new connection, not the dead one
            assert uow.books.get(book.id) == book
            assert uow.db.scalar(select(func.pg_backend_pid())) != pid
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_write_left_uncommitted_on_a_connection_the_server_dropped_ends_quietly(
    postgres_url: str,
) -> None:
    """The server rolled the transaction back with the connection: nothing is left to undo,
    so the end of the unit of work does not fail (which would hide why the work stopped)."""
    engine = make_engine(postgres_url)
    try:
        upgrade_engine(engine)
        factory = SqlUnitOfWorkFactory(engine)
        (book,) = add_books(factory, details())
        with factory() as uow:
            assert uow.books.take_stock(book.id, 1)
            pid = uow.db.scalar(select(func.pg_backend_pid()))
            _terminate(postgres_url, pid)
        with factory(read_only=True) as uow:
            assert uow.db.scalar(select(func.pg_backend_pid())) != pid
            assert uow.books.get(book.id) == book  # the stock taken was never committed
    finally:
        engine.dispose()


def test_unsupported_databases_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        make_engine("mysql://user:secret@localhost/db")


def test_sqlite_writes_begin_immediate_and_reads_begin_deferred(
    sqlite_backend: Backend, statements: list[tuple[str, Any]]
) -> None:
    with sqlite_backend.factory() as uow:
        uow.books.get(1)
    with sqlite_backend.factory(read_only=True) as uow:
        uow.books.get(1)
    begins = [" ".join(s.split()[:2]) for s, _ in statements if s.startswith("BEGIN")]
    assert begins == ["BEGIN IMMEDIATE", "BEGIN"]


def test_a_reader_does_not_wait_for_a_writer(sql_backend: Backend) -> None:
    (book,) = add_books(sql_backend.factory, details(stock=5))
    with sql_backend.factory() as writer:
        assert writer.books.take_stock(book.id, 1)
        started = time.monotonic()
        with sql_backend.factory(read_only=True) as reader:
            seen = reader.books.get(book.id)
        assert time.monotonic() - started < 1
        assert seen is not None
        assert seen.stock == 5  # the writer's change is not committed yet
        writer.commit()


def test_a_second_writer_waits_for_the_first(sql_backend: Backend) -> None:
    (book,) = add_books(sql_backend.factory, details(stock=5))
    order: list[str] = []

    def second_writer() -> None:
        with sql_backend.factory() as uow:
            fresh = uow.books.lock([book.id])[book.id]
            order.append(f"second locked, sees {fresh.stock}")
            assert uow.books.take_stock(book.id, fresh.stock)
            uow.commit()

    with sql_backend.factory() as first:
        first.books.lock([book.id])
        thread = threading.Thread(target=second_writer)
        thread.start()
        time.sleep(0.3)
        assert first.books.take_stock(book.id, 1)
        order.append("first commits")
        first.commit()
    thread.join(timeout=10)
    assert order == ["first commits", "second locked, sees 4"]
    with sql_backend.factory(read_only=True) as uow:
        assert uow.books.get(book.id).stock == 0  # type: ignore[union-attr]


def test_no_connection_is_left_checked_out(sql_backend: Backend) -> None:
    opened: list[Any] = []
    event.listen(
        sql_backend.engine, "connect", lambda dbapi_conn, record: opened.append(dbapi_conn)
    )
    pool = sql_backend.engine.pool
    assert isinstance(pool, QueuePool)
    with sql_backend.factory() as uow:
        uow.books.add(details(), T0)
        assert pool.checkedout() == 1
        uow.commit()
    assert pool.checkedout() == 1  # the writers' connection is kept
    with pytest.raises(ZeroDivisionError), sql_backend.factory(read_only=True):
        _ = 1 / 0
    kept = pool.checkedout()
    # SQLite keeps an idle reader beside its writer; PostgreSQL's reader took the kept one
    assert kept == (2 if sql_backend.engine.dialect.name == "sqlite" else 1)
    with sql_backend.factory() as uow, pytest.raises(InvalidInput):
        uow.books.add_stock(1, STOCK.maximum, T0)
    assert pool.checkedout() == kept
    sql_backend.engine.dispose()  # closes every connection, the kept reader too
    assert opened
    assert all(_is_closed(conn) for conn in opened)
    with sql_backend.factory(read_only=True) as uow:  # and reads go on, on new connections
        assert uow.books.get(1) is not None


def _is_closed(dbapi_conn: Any) -> bool:
    if isinstance(dbapi_conn, sqlite3.Connection):
        try:
            dbapi_conn.execute("SELECT 1")
        except sqlite3.ProgrammingError:
            return True
        return False
    return bool(dbapi_conn.closed)


def test_kept_readers_never_hold_a_connection_a_writer_needs(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url, pool_size=2, max_overflow=0)
    factory = SqlUnitOfWorkFactory(engine)
    try:
        with factory(read_only=True) as first, factory(read_only=True) as second:
            assert first.books.get(1) is None
            assert second.books.get(1) is None
        pool = engine.pool
        assert isinstance(pool, QueuePool)
        assert pool.checkedout() == 1  # the second to end found no room to spare
        with factory() as writer, factory(read_only=True) as reader:  # both got one
            writer.books.add(details(), T0)
            assert reader.books.search(BookQuery()).total == 0
            writer.commit()
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_postgresql_connection_goes_back_to_the_pool_as_the_pool_lent_it(
    postgres_url: str,
) -> None:
    """Kept connections stay in autocommit mode; one the pool gets back is out of it, as a
    SQLAlchemy `Connection` expects (its transactions are the driver's)."""
    engine = make_engine(postgres_url, pool_size=1, max_overflow=1)
    try:
        upgrade_engine(engine)
        factory = SqlUnitOfWorkFactory(engine)
        with factory(read_only=True) as reader, factory() as writer:
            assert reader.books.get(1) is None
            writer.books.add(details(), T0)
            writer.commit()
        pool = engine.pool
        assert isinstance(pool, QueuePool)
        assert pool.checkedout() == 0  # with both out, the pool had no room to keep either
        with engine.connect() as conn:
            assert conn.connection.driver_connection.autocommit is False  # type: ignore[union-attr]
            conn.exec_driver_sql("CREATE TEMPORARY TABLE scratch (n int)")
            conn.rollback()  # a transaction of its own: nothing stays
            assert not conn.exec_driver_sql("SELECT to_regclass('pg_temp.scratch')").scalar()
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_reads_after_a_burst_of_writes_run_on_kept_postgresql_connections(
    postgres_url: str,
) -> None:
    """Connections kept after writes serve the reads that follow: none goes through the
    pool's checkout (and its reset) again."""
    engine = make_engine(postgres_url, pool_size=2, max_overflow=2)
    try:
        upgrade_engine(engine)
        factory = SqlUnitOfWorkFactory(engine)
        with factory() as first, factory() as second:  # the pool's two, both kept after
            first.books.add(details(), T0)
            first.commit()
            assert second.books.get(1) is not None
        checkouts: list[object] = []
        event.listen(engine, "checkout", lambda *args: checkouts.append(args))
        for _ in range(3):
            with factory(read_only=True) as reader:
                assert reader.books.search(BookQuery()).total == 1
        assert checkouts == []
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_kept_postgresql_connection_runs_every_unit_of_work_on_one_cursor(
    postgres_backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new psycopg cursor sets up its adapters and type conversions afresh; the one a
    connection keeps serves each of its units of work, also after one that failed."""
    used: set[tuple[int, int]] = set()
    execute = psycopg.Cursor.execute

    def recorded(cursor: psycopg.Cursor[Any], *args: Any, **kwargs: Any) -> Any:
        used.add((id(cursor.connection), id(cursor)))
        return execute(cursor, *args, **kwargs)

    isbn = "9780441013593"
    with postgres_backend.factory() as uow:  # connecting runs statements of SQLAlchemy's own
        uow.books.add(details(isbn=isbn), T0)
        uow.commit()
    with postgres_backend.factory(read_only=True) as uow:
        assert uow.books.search(BookQuery()).total == 1
    monkeypatch.setattr(psycopg.Cursor, "execute", recorded)
    with postgres_backend.factory() as uow, pytest.raises(DuplicateIsbn):
        uow.books.add(details("Dune again", isbn=isbn), T0)  # refused: the transaction fails
    for added in range(1, 4):
        with postgres_backend.factory(read_only=True) as uow:
            assert uow.books.search(BookQuery()).total == added
        with postgres_backend.factory() as uow:
            uow.books.add(details(f"Dune {added}"), T0)
            uow.commit()
    connections = {connection for connection, _ in used}
    assert len(used) == len(connections)  # one cursor each


def test_a_connection_kept_past_the_recycle_age_goes_back_to_the_pool(
    sql_backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool = sql_backend.engine.pool
    assert isinstance(pool, QueuePool)
    with sql_backend.factory(read_only=True) as uow:
        assert uow.books.get(1) is None
    assert pool.checkedout() == 1  # kept
    monkeypatch.setattr(unit_of_work, "RECYCLE_SECONDS", 0)
    with sql_backend.factory(read_only=True) as uow:  # the kept one, now too old to keep
        assert uow.books.get(1) is None
    assert pool.checkedout() == 0  # the pool recycles it by its own age rule


def test_commit_outside_the_block_is_an_error(sql_backend: Backend) -> None:
    uow = sql_backend.factory()
    with pytest.raises(RuntimeError):
        uow.commit()


@pytest.mark.postgres
def test_read_only_units_of_work_cannot_write_on_postgresql(postgres_backend: Backend) -> None:
    """Refused before anything is sent: its statements run without a transaction."""
    with (
        postgres_backend.factory(read_only=True) as uow,
        pytest.raises(RuntimeError, match="read-only"),
    ):
        uow.books.add(details(), T0)
    with postgres_backend.factory(read_only=True) as uow:
        assert uow.books.search(BookQuery()).total == 0


def test_a_postgresql_server_that_cannot_be_reached_is_storage_unavailable() -> None:
    """The driver's own connection error (the pool raises it unwrapped) is the port's."""
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/gone")
    try:
        factory = SqlUnitOfWorkFactory(engine)
        for read_only in (True, False):
            with pytest.raises(StorageUnavailable), factory(read_only=read_only):
                pytest.fail("no unit of work without a connection")
    finally:
        engine.dispose()


def _in_database_file(url: str) -> int:
    """Books in the database file itself, the WAL left out: what a checkpoint copied there."""
    path = url.removeprefix("sqlite:///")
    with sqlite3.connect(f"file:{path}?immutable=1", uri=True) as conn:
        return int(conn.execute("SELECT count(*) FROM books").fetchone()[0])


def test_sqlite_commits_reach_the_database_file_without_a_commit_checkpointing(
    sqlite_backend: Backend,
) -> None:
    """A background thread checkpoints the WAL soon after a commit; the commits themselves
    checkpoint only a log far longer than SQLite's default 1,000 pages."""
    url = str(sqlite_backend.engine.url)
    before = _in_database_file(url)
    add_books(sqlite_backend.factory, details(isbn="9780000000002"))
    deadline = time.monotonic() + 10
    while _in_database_file(url) == before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _in_database_file(url) == before + 1
    with sqlite_backend.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 10_000
    names = {thread.name for thread in threading.enumerate()}
    assert "sqlite-checkpointer" in names
    sqlite_backend.engine.dispose()
    assert "sqlite-checkpointer" not in {thread.name for thread in threading.enumerate()}
