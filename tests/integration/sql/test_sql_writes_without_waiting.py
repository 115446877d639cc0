"""`writes_without_waiting`: a write that would wait for SQLite's write lock does nothing and
says so at once (`WriterBusy`), so that code on an event loop can run it elsewhere."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sql_support import T0, Backend, add_books, details
from sqlalchemy.engine import make_url

from bookstore.adapters.sql import SqlUnitOfWorkFactory, make_engine, upgrade_engine
from bookstore.adapters.sql.engine import WriterBusy, writer_gate, writes_without_waiting


def _stock(backend: Backend, book_id: int) -> int:
    with backend.factory(read_only=True) as uow:
        book = uow.books.get(book_id)
    assert book is not None
    return book.stock


def test_a_free_write_lock_is_taken_and_the_write_commits(sqlite_backend: Backend) -> None:
    (book,) = add_books(sqlite_backend.factory, details(stock=5))
    with writes_without_waiting(), sqlite_backend.factory() as uow:
        assert uow.books.take_stock(book.id, 2)
        uow.commit()
    assert _stock(sqlite_backend, book.id) == 3


def test_a_lock_held_by_another_process_is_not_waited_for(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url, pool_size=1, max_overflow=0)  # one connection, reused
    backend = Backend("sqlite", sqlite_url, engine, SqlUnitOfWorkFactory(engine))
    (book,) = add_books(backend.factory, details(stock=5))
    path = make_url(sqlite_url).database
    assert path is not None
    # As another server process would; the timer's thread ends its transaction.
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        other.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(WriterBusy), writes_without_waiting(), backend.factory():
            pytest.fail("the unit of work must not open while another holds the lock")
        assert time.monotonic() - started < 1  # not the 5 s busy timeout
        # The same connection waits again as usual outside: the lock is released 0.3 s on.
        threading.Timer(0.3, other.execute, ("ROLLBACK",)).start()
        with backend.factory() as uow:
            assert uow.books.take_stock(book.id, 1)
            uow.commit()
        assert time.monotonic() - started >= 0.3
        assert _stock(backend, book.id) == 4
    finally:
        other.close()
        engine.dispose()


def test_a_writer_of_this_process_is_not_waited_for(sqlite_backend: Backend) -> None:
    (book,) = add_books(sqlite_backend.factory, details(stock=5))
    with sqlite_backend.factory() as first:
        assert first.books.take_stock(book.id, 1)
        with pytest.raises(WriterBusy), writes_without_waiting(), sqlite_backend.factory():
            pytest.fail("the second writer must not open while the first holds the gate")
        first.commit()
    gate = writer_gate(sqlite_backend.engine)
    assert gate is not None
    assert gate.try_acquire()  # the failed writer left the gate free
    gate.release()
    assert _stock(sqlite_backend, book.id) == 4


def test_reads_and_waiting_writers_are_unaffected(sqlite_backend: Backend) -> None:
    (book,) = add_books(sqlite_backend.factory, details(stock=5))
    done = threading.Event()

    def ordinary_writer() -> None:  # another thread: its context is not the caller's
        with sqlite_backend.factory() as uow:
            assert uow.books.take_stock(book.id, 1)
            uow.commit()
        done.set()

    with writes_without_waiting():
        with sqlite_backend.factory(read_only=True) as reader:
            assert reader.books.get(book.id) is not None
        thread = threading.Thread(target=ordinary_writer)
        thread.start()
        thread.join(timeout=10)
    assert done.is_set()
    assert _stock(sqlite_backend, book.id) == 4


@pytest.mark.parametrize("url", ["sqlite://"])
def test_engines_that_cannot_promise_it_refuse_at_once(url: str) -> None:
    engine = make_engine(url)
    upgrade_engine(engine)
    try:
        factory = SqlUnitOfWorkFactory(engine)
        with pytest.raises(WriterBusy), writes_without_waiting(), factory():
            pytest.fail("an in-memory engine has no writer gate to try")
        with factory() as uow:  # outside, it writes as always
            uow.books.add(details(), T0)
            uow.commit()
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgresql_writes_are_never_tried_without_waiting(postgres_backend: Backend) -> None:
    with pytest.raises(WriterBusy), writes_without_waiting(), postgres_backend.factory():
        pytest.fail("PostgreSQL writes belong on a worker thread")


def test_server_processes_take_turns_at_the_writer_lock_file(sqlite_url: str) -> None:
    """Two engines on one file stand for two server processes: each has its own descriptor
    of the lock file, and the kernel's `flock` lets one writer through at a time, before
    either touches SQLite's own lock."""
    engines = [make_engine(sqlite_url) for _ in range(2)]
    here = SqlUnitOfWorkFactory(engines[0])
    (book,) = add_books(here, details(stock=5))
    assert Path(f"{make_url(sqlite_url).database}-writer").exists()
    other_process = writer_gate(engines[1])
    assert other_process is not None
    done = threading.Event()

    def wait_then_write() -> None:
        with here() as uow:
            assert uow.books.take_stock(book.id, 1)
            uow.commit()
        done.set()

    try:
        other_process.acquire()  # the gate only: SQLite's write lock is free
        try:
            with pytest.raises(WriterBusy), writes_without_waiting(), here():
                pytest.fail("the lock file is held by the other process")
            waiter = threading.Thread(target=wait_then_write)
            waiter.start()
            time.sleep(0.2)
            assert not done.is_set()  # it waits for the other process
        finally:
            other_process.release()
        waiter.join(timeout=10)
        assert done.is_set()
        with here(read_only=True) as uow:
            assert uow.books.get(book.id).stock == 4  # type: ignore[union-attr]
    finally:
        for engine in engines:
            engine.dispose()
