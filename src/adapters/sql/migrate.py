"""Applying the Alembic migrations shipped inside the package.

Run them once, before the server's workers start (`bookstore db upgrade`, or `serve`, which
migrates first): several workers migrating at once would race on DDL.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine

from bookstore.adapters.sql.engine import make_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for the shipped migrations; `env.py` runs them on
    `connection` (set as `config.attributes["connection"]`)."""
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_engine(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind `engine` (the only way for in-memory SQLite)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def upgrade_database(url: str) -> None:
    """Migrate the database at `url` up to the newest revision."""
    engine = make_engine(url)
    try:
        upgrade_engine(engine)
    finally:
        engine.dispose()
