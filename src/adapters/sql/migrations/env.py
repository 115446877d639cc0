"""Alembic environment: runs migrations on the connection handed over by `migrate.py`, or on
an engine built from `BOOKSTORE_DATABASE_URL` / `sqlalchemy.url` when run from the command
line. Logging is deliberately left alone (no `fileConfig`), so migrating inside the
application does not silence its loggers."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from bookstore.adapters.sql.engine import make_engine
from bookstore.adapters.sql.fulltext import include_name
from bookstore.adapters.sql.tables import metadata

config = context.config


def _run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        include_name=include_name,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = os.environ.get("BOOKSTORE_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set BOOKSTORE_DATABASE_URL to the database to migrate")
    return url


def run_migrations() -> None:
    if context.is_offline_mode():
        context.configure(
            url=_url(), target_metadata=metadata, include_name=include_name, literal_binds=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as new_connection:
            _run_on(new_connection)
    finally:
        engine.dispose()


run_migrations()
