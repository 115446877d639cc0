"""What the SQL schema and repositories guarantee beyond the shared contract."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sql_support import T0, Backend, a_user, add_books, add_users, details
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError, StatementError

from bookstore.adapters.sql.tables import books
from bookstore.application.queries import BookQuery
from bookstore.domain.book import STOCK, BookChanges
from bookstore.domain.cart import Cart
from bookstore.domain.errors import EmailAlreadyRegistered, InvalidInput
from bookstore.domain.values import Email


def test_timestamps_come_back_aware_in_utc(sql_backend: Backend) -> None:
    paris = timezone(timedelta(hours=1))
    local = datetime(2026, 6, 1, 14, 30, 15, 123456, tzinfo=paris)
    with sql_backend.factory() as uow:
        book = uow.books.add(details(), local)
        uow.commit()
    with sql_backend.factory(read_only=True) as uow:
        stored = uow.books.get(book.id)
    assert stored is not None
    assert stored.created_at == local
    assert stored.created_at.tzinfo is not None
    assert stored.created_at.utcoffset() == timedelta(0)


def test_naive_timestamps_are_refused(sql_backend: Backend) -> None:
    with sql_backend.factory() as uow, pytest.raises(StatementError, match="naive"):
        uow.books.add(details(), datetime(2026, 1, 1))  # noqa: DTZ001


def test_stock_can_never_go_below_zero_in_the_schema(sql_backend: Backend) -> None:
    (book,) = add_books(sql_backend.factory, details(stock=1))
    with sql_backend.engine.connect() as conn, pytest.raises(IntegrityError):
        conn.execute(update(books).where(books.c.id == book.id).values(stock=-1))


def test_foreign_keys_are_enforced(sql_backend: Backend) -> None:
    user = a_user()
    add_users(sql_backend.factory, user)
    with sql_backend.factory() as uow, pytest.raises(IntegrityError):  # noqa: PT012
        uow.carts.save(Cart(user.id, {424242: 1}))
        uow.commit()  # at the latest: a driver may send the lines with the commit


def test_restocking_above_the_limit_is_refused(sql_backend: Backend) -> None:
    (book,) = add_books(sql_backend.factory, details(stock=10))
    with sql_backend.factory() as uow, pytest.raises(InvalidInput):
        uow.books.add_stock(book.id, STOCK.maximum - 9, T0)
    with sql_backend.factory() as uow:
        assert uow.books.add_stock(book.id, STOCK.maximum - 10, T0) is not None


def test_changing_to_a_taken_email_is_refused(sql_backend: Backend) -> None:
    ada, bob = a_user("ada@example.com"), a_user("bob@example.com")
    add_users(sql_backend.factory, ada, bob)
    with sql_backend.factory() as uow, pytest.raises(EmailAlreadyRegistered):
        uow.users.update(replace(bob, email=Email.parse("Ada@example.com")))


@pytest.mark.postgres
def test_an_edit_from_an_unlocked_read_keeps_concurrent_sales(postgres_backend: Backend) -> None:
    """PostgreSQL only: on SQLite the sale could not run while the edit's transaction is open."""
    (book,) = add_books(postgres_backend.factory, details("Old", stock=5))
    with postgres_backend.factory() as editor:
        stale = editor.books.get(book.id)
        assert stale is not None
        with postgres_backend.factory() as seller:
            assert seller.books.take_stock(book.id, 2)
            seller.commit()
        stale.apply(BookChanges(title="New"), T0)
        editor.books.update(stale)
        editor.commit()
    with postgres_backend.factory(read_only=True) as uow:
        fresh = uow.books.get(book.id)
    assert fresh is not None
    assert (fresh.title, fresh.stock) == ("New", 3)


def test_the_search_index_follows_edits_and_removals(sql_backend: Backend) -> None:
    (book,) = add_books(sql_backend.factory, details("Original title"))
    with sql_backend.factory() as uow:
        locked = uow.books.lock([book.id])[book.id]
        locked.apply(BookChanges(title="Renamed", author="Someone Else"), T0)
        uow.books.update(locked)
        uow.commit()
    with sql_backend.factory(read_only=True) as uow:
        assert uow.books.search(BookQuery(text="original")).total == 0
        assert uow.books.search(BookQuery(text="renamed someone")).total == 1
    with sql_backend.engine.begin() as conn:
        conn.execute(text("DELETE FROM books"))
    with sql_backend.factory(read_only=True) as uow:
        assert uow.books.search(BookQuery(text="renamed")).total == 0


def test_a_blocked_decrement_sees_the_stock_the_first_left(sql_backend: Backend) -> None:
    """Two sessions stepped by the test: the second decrement waits for the first to commit,
    then finds no copy left (PostgreSQL re-reads the row; SQLite waits at BEGIN IMMEDIATE)."""
    (book,) = add_books(sql_backend.factory, details(stock=1))
    second: list[bool] = []

    def take_the_last_copy() -> None:
        with sql_backend.factory() as uow:
            second.append(uow.books.take_stock(book.id, 1))
            uow.commit()

    with sql_backend.factory() as first:
        assert first.books.take_stock(book.id, 1)
        thread = threading.Thread(target=take_the_last_copy)
        thread.start()
        thread.join(timeout=0.3)
        assert thread.is_alive()  # waiting for the first session
        first.commit()
    thread.join(timeout=10)
    assert second == [False]
