"""Turn the failures an operator can fix into one clear line and an exit code.

Exit codes: 2 for anything the operator typed or configured wrong (arguments, settings,
input the domain refuses), 1 for a database that cannot be reached, used or migrated, 4 for an
address `serve` cannot listen on (a port taken). None prints a traceback: the message says
what to fix. (3 is uvicorn's own, for a server that failed to start.)
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import click

from bookstore.domain.errors import DomainError, InvalidInput
from bookstore.entrypoints.settings import SettingsError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_ADDRESS_UNUSABLE = 4

_PASSWORD_IN_URL = re.compile(r"(://[^:/@]*:)[^@]*@")


class CommandFailed(click.ClickException):
    """A failure reported as `Error: <message>` on stderr, without a traceback."""

    exit_code = EXIT_FAILURE


class BadInput(CommandFailed):
    """Settings or input the operator must correct."""

    exit_code = EXIT_USAGE


class AddressUnusable(CommandFailed):
    """`serve` cannot listen where it was asked to: the port is taken, or the address is not
    this machine's."""

    exit_code = EXIT_ADDRESS_UNUSABLE


def parse_url(url: str) -> URL | None:
    """`url` as SQLAlchemy reads it; None when it is no URL SQLAlchemy can read."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        return None


def mask_url(url: str) -> str:
    """The database URL with its password replaced by `***`, safe to print."""
    parsed = parse_url(url)
    if parsed is None:
        return _PASSWORD_IN_URL.sub(r"\1***@", url)
    return parsed.render_as_string(hide_password=True)


_LOCK_NOT_AVAILABLE = "55P03"
"""PostgreSQL's SQLSTATE for a lock not granted within `lock_timeout`."""


def describe(error: Exception, database_url: str) -> CommandFailed | None:
    """The operator's message for an error they can act on; None for a bug."""
    # Imported here, on failure only, so that `--help` and argument errors answer at once.
    from alembic.util import CommandError
    from sqlalchemy.exc import DBAPIError

    if isinstance(error, SettingsError):
        return BadInput(str(error))
    if isinstance(error, InvalidInput):
        return BadInput(error.detail)
    if isinstance(error, DomainError):
        return CommandFailed(error.detail)
    if isinstance(error, DBAPIError):
        reason = _reason(error, database_url)
        if getattr(error.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            return CommandFailed(
                f"the database at {mask_url(database_url)} is busy: {reason} (another "
                "session held a lock this command needs for too long); try again"
            )
        return CommandFailed(f"cannot reach the database at {mask_url(database_url)}: {reason}")
    if isinstance(error, CommandError):
        reason = _reason(error, database_url)
        return CommandFailed(f"cannot migrate the database at {mask_url(database_url)}: {reason}")
    return None


def _reason(error: BaseException, url: str) -> str:
    """The driver's own first line, not SQLAlchemy's wrapper with the SQL and a link."""
    cause = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    reason = lines[0] if lines else type(cause).__name__
    parsed = parse_url(url)
    password = None if parsed is None else parsed.password
    return reason.replace(password, "***") if password else reason
