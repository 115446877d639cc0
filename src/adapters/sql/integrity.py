"""Recognising which constraint a driver's IntegrityError is about, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError


def violates(error: IntegrityError, constraint: str, sqlite_columns: str) -> bool:
    """True when `error` broke `constraint`.

    PostgreSQL (psycopg) names the constraint in the error's diagnostics; SQLite only names
    the columns, as in "UNIQUE constraint failed: users.email".
    """
    diag = getattr(error.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name is not None:
        return bool(name == constraint)
    return str(error.orig).endswith(f"constraint failed: {sqlite_columns}")
