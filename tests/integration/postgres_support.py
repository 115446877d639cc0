"""PostgreSQL for the integration tests: the server to test against, and databases of their
own on it, made and dropped by the tests that use them."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

POSTGRES_URL_VARIABLE = "BOOKSTORE_TEST_POSTGRES_URL"


def postgres_server_url() -> str:
    """The PostgreSQL server to test against; skips without one (fails under CI=true)."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if url:
        return url
    reason = f"{POSTGRES_URL_VARIABLE} is not set, so there is no PostgreSQL to test against"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: PostgreSQL tests must run in CI)", pytrace=False)
    pytest.skip(reason)


def psycopg_url(url: str) -> str:
    """The URL with the psycopg 3 driver named (`postgresql://` alone means psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


@dataclass(frozen=True)
class PostgresDatabase:
    server_url: str
    name: str

    @property
    def url(self) -> str:
        url = make_url(psycopg_url(self.server_url)).set(database=self.name)
        return url.render_as_string(hide_password=False)


def create_postgres_database(server_url: str, prefix: str = "bookstore_test") -> PostgresDatabase:
    database = PostgresDatabase(server_url, f"{prefix}_{secrets.token_hex(6)}")
    engine = _admin_engine(server_url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{database.name}"')
    finally:
        engine.dispose()
    return database


def drop_postgres_database(database: PostgresDatabase) -> None:
    """Drops it with whatever connections are still open to it."""
    engine = _admin_engine(database.server_url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')
    finally:
        engine.dispose()


def _admin_engine(server_url: str) -> Engine:
    return create_engine(psycopg_url(server_url), isolation_level="AUTOCOMMIT")
