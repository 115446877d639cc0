"""What the commands share: settings and the container, loaded on first use.

Loading lazily keeps `--help` and argument errors quick and working whatever the settings
say, and lets the error handler name the database the command was talking to.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING
from uuid import UUID

import click

from bookstore.domain.user import Actor, Role
from bookstore.entrypoints.cli.errors import parse_url
from bookstore.entrypoints.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from bookstore.entrypoints.container import Container

MEMORY_URL = "memory://"
"""As in `bookstore.entrypoints.container`, which is not imported here: it loads every adapter."""

SUPPORTED_BACKENDS = ("sqlite", "postgresql")

OPERATOR = Actor(user_id=UUID(int=0), role=Role.ADMIN)
"""Who runs an operator command. Whoever holds the server's settings owns its database, so
the command line acts as an admin; the nil UUID names no account."""


class Runtime:
    @cached_property
    def settings(self) -> Settings:
        settings = load_settings()
        check_database_url(settings.database_url)
        return settings

    @property
    def database_url(self) -> str:
        """The configured URL, or "" before the settings were loaded."""
        settings: Settings | None = self.__dict__.get("settings")
        return settings.database_url if settings else ""

    @cached_property
    def container(self) -> Container:
        from bookstore.entrypoints.container import create_container

        return create_container(self.settings)

    def migrate(self) -> bool:
        """Bring the database schema up to date; False when there is nothing to migrate."""
        url = self.settings.database_url
        if url == MEMORY_URL:
            return False
        from bookstore.adapters.sql.migrate import upgrade_database

        upgrade_database(url)
        return True


def is_process_local(url: str) -> bool:
    """Storage that lives and dies with one process: nothing another process can share."""
    if url == MEMORY_URL:
        return True
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and (
        parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory"
    )


def check_database_url(url: str) -> None:
    """Refuse, as a settings error, a URL no adapter can open."""
    if url == MEMORY_URL:
        return
    hint = "use memory://, sqlite:///path/to/file.db or postgresql+psycopg://user:pass@host/db"
    parsed = parse_url(url)
    if parsed is None:
        raise SettingsError(f"BOOKSTORE_DATABASE_URL is not a database URL: {hint}")
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        raise SettingsError(f"BOOKSTORE_DATABASE_URL names an unsupported database: {hint}")
    if is_process_local(url):
        raise SettingsError(
            "BOOKSTORE_DATABASE_URL names an in-memory SQLite database, which the migrations "
            "and the command would not share: use memory:// for a throwaway store, or a "
            "SQLite file"
        )


pass_runtime = click.make_pass_decorator(Runtime, ensure=True)
