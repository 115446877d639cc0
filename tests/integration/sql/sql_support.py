"""Helpers for the SQL adapter tests (imported by them and by storm worker processes)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
from sqlalchemy import Engine, create_engine, event, text

from bookstore.adapters.sql import SqlUnitOfWorkFactory
from bookstore.application.ports import UnitOfWorkFactory
from bookstore.domain.book import Book, BookDetails
from bookstore.domain.user import Role, User
from bookstore.domain.values import Email

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Backend:
    name: str
    url: str
    engine: Engine
    factory: SqlUnitOfWorkFactory


TABLES = (
    "books, users, cart_lines, orders, order_lines, refresh_tokens, revoked_access_tokens, "
    "order_status_history, stock_movements, payments, payment_events, sandbox_outcomes, "
    "coupons, events, event_deliveries, webhook_endpoints, waitlist_entries"
)


def empty_postgres_tables(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


class StepClock:
    """Each call is one second later than the last: timestamps never tie."""

    def __init__(self, start: datetime = T0) -> None:
        self._next = start

    def now(self) -> datetime:
        current = self._next
        self._next += timedelta(seconds=1)
        return current


class RandomIds:
    def new_id(self) -> UUID:
        return uuid4()

    def new_token_id(self) -> str:
        return secrets.token_urlsafe(16)


def details(
    title: str = "Dune",
    *,
    author: str = "Frank Herbert",
    genre: str = "Science fiction",
    price: str = "9.99",
    stock: int = 5,
    isbn: str | None = None,
    description: str | None = None,
    published_year: int | None = None,
) -> BookDetails:
    return BookDetails.parse(
        title=title,
        author=author,
        genre=genre,
        price=price,
        stock=stock,
        isbn=isbn,
        description=description,
        published_year=published_year,
    )


def a_user(email: str = "ada@example.com", created_at: datetime = T0) -> User:
    return User(
        id=uuid4(),
        email=Email.parse(email),
        full_name="Ada Lovelace",
        role=Role.CUSTOMER,
        is_active=True,
        password_hash="$2b$12$not-a-real-hash",
        created_at=created_at,
    )


def add_books(factory: UnitOfWorkFactory, *all_details: BookDetails) -> list[Book]:
    clock = StepClock()
    with factory() as uow:
        books = [uow.books.add(d, clock.now()) for d in all_details]
        uow.commit()
    return books


def add_users(factory: UnitOfWorkFactory, *users: User) -> None:
    with factory() as uow:
        for user in users:
            uow.users.add(user)
        uow.commit()


@contextmanager
def recorded_statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The statements every connection of `engine` runs meanwhile, with their parameters.

    Units of work run their statements on the driver, which SQLAlchemy's cursor events do
    not see: on SQLite the driver's own trace callback reports them, values in place
    (parameters None); on PostgreSQL a recording psycopg cursor does (positional `%s`
    parameters). The `before_cursor_execute` event reports what runs through SQLAlchemy."""
    seen: list[tuple[str, Any]] = []
    if engine.dialect.name != "sqlite":

        def record(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            seen.append((statement, parameters))

        class Recording(psycopg.Cursor[Any]):
            def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
                text = query.decode() if isinstance(query, bytes) else str(query)
                seen.append((text, params))
                return super().execute(query, params, **options)

        def watch(dbapi_connection: Any, *_: Any) -> None:
            dbapi_connection.cursor_factory = Recording

        def unwatch(dbapi_connection: Any, *_: Any) -> None:
            dbapi_connection.cursor_factory = psycopg.Cursor

        event.listen(engine, "before_cursor_execute", record)
        event.listen(engine, "checkout", watch)
        event.listen(engine, "checkin", unwatch)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", record)
            event.remove(engine, "checkout", watch)
            event.remove(engine, "checkin", unwatch)
        return

    def trace(dbapi_connection: Any, *_: Any) -> None:
        dbapi_connection.set_trace_callback(lambda statement: seen.append((statement, None)))

    def untrace(dbapi_connection: Any, *_: Any) -> None:
        dbapi_connection.set_trace_callback(None)

    event.listen(engine, "checkout", trace)
    event.listen(engine, "checkin", untrace)
    try:
        yield seen
    finally:
        event.remove(engine, "checkout", trace)
        event.remove(engine, "checkin", untrace)
