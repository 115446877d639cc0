"""Users in SQL."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any
from uuid import UUID

from sqlalchemy import Select, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from bookstore.adapters.sql.integrity import violates
from bookstore.adapters.sql.statements import Db, Row, contains_pattern, listing, page_of
from bookstore.adapters.sql.tables import users
from bookstore.application.queries import UserQuery
from bookstore.domain.errors import EmailAlreadyRegistered
from bookstore.domain.pagination import Page
from bookstore.domain.user import Role, User
from bookstore.domain.values import Email

_COLUMNS = tuple(users.c)
# Built once; each call only binds its values.
_ADD = insert(users)
_BY_ID = select(*_COLUMNS).where(users.c.id == bindparam("user"))
_BY_EMAIL = select(*_COLUMNS).where(users.c.email == bindparam("address"))
_UPDATE = update(users).where(users.c.id == bindparam("user"))
"""Writes the columns given."""


@lru_cache(maxsize=2)
def _listing(by_email: bool) -> tuple[Select[Any], Select[Any]]:
    """Oldest account first; with `by_email`, emails containing a literal substring."""
    conditions = [users.c.email.like(bindparam("pattern"), escape="/")] if by_email else []
    return listing(users, _COLUMNS, conditions, [users.c.created_at, users.c.id])


def user_from_row(row: Row) -> User:
    user_id, email, full_name, role, is_active, password_hash, created_at = row
    return User(
        id=user_id,
        email=Email(email),
        full_name=full_name,
        role=Role(role),
        is_active=is_active,
        password_hash=password_hash,
        created_at=created_at,
    )


def _values(user: User) -> dict[str, Any]:
    return {
        "email": user.email.value,
        "full_name": user.full_name,
        "role": user.role.value,
        "is_active": user.is_active,
        "password_hash": user.password_hash,
    }


class SqlUserRepository:
    def __init__(self, db: Db) -> None:
        self._db = db

    def add(self, user: User) -> None:
        values = _values(user) | {"id": user.id, "created_at": user.created_at}
        self._write(lambda: self._db.write(_ADD, values))

    def get(self, user_id: UUID) -> User | None:
        row = self._db.first(_BY_ID, {"user": user_id})
        return user_from_row(row) if row is not None else None

    def get_by_email(self, email: Email) -> User | None:
        row = self._db.first(_BY_EMAIL, {"address": email.value})
        return user_from_row(row) if row is not None else None

    def update(self, user: User) -> None:
        params = _values(user) | {"user": user.id}
        self._write(lambda: self._db.write(_UPDATE, params))

    def list(self, query: UserQuery) -> Page[User]:
        """Oldest account first; `email_contains` is a literal, case-insensitive substring."""
        params: dict[str, Any] = {}
        if query.email_contains:
            params["pattern"] = contains_pattern(query.email_contains.lower())
        page_stmt, count_stmt = _listing(bool(query.email_contains))
        page = query.page
        page_params = params | {"limit": page.page_size, "offset": page.offset}
        items = [user_from_row(row) for row in self._db.rows(page_stmt, page_params)]
        return page_of(items, page, lambda: self._db.scalar(count_stmt, params))

    def _write(self, write: Callable[[], object]) -> None:
        try:
            write()
        except IntegrityError as error:
            if violates(error, "uq_users_email", "users.email"):
                raise EmailAlreadyRegistered() from error
            raise
