"""Users in SQL."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Connection, Executable, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from bookstore.adapters.sql.integrity import violates
from bookstore.adapters.sql.rows import AnyRow
from bookstore.adapters.sql.tables import users
from bookstore.application.queries import UserQuery
from bookstore.domain.errors import EmailAlreadyRegistered
from bookstore.domain.pagination import Page
from bookstore.domain.user import Role, User
from bookstore.domain.values import Email


def user_from_row(row: AnyRow) -> User:
    return User(
        id=row.id,
        email=Email(row.email),
        full_name=row.full_name,
        role=Role(row.role),
        is_active=row.is_active,
        password_hash=row.password_hash,
        created_at=row.created_at,
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
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, user: User) -> None:
        values = _values(user) | {"id": user.id, "created_at": user.created_at}
        self._write(insert(users).values(values))

    def get(self, user_id: UUID) -> User | None:
        row = self._conn.execute(select(users).where(users.c.id == user_id)).first()
        return user_from_row(row) if row is not None else None

    def get_by_email(self, email: Email) -> User | None:
        row = self._conn.execute(select(users).where(users.c.email == email.value)).first()
        return user_from_row(row) if row is not None else None

    def update(self, user: User) -> None:
        self._write(update(users).where(users.c.id == user.id).values(_values(user)))

    def list(self, query: UserQuery) -> Page[User]:
        """Oldest account first; `email_contains` is a literal, case-insensitive substring."""
        conditions = []
        if query.email_contains:
            needle = query.email_contains.lower()
            conditions.append(users.c.email.contains(needle, autoescape=True))
        page = query.page
        stmt = (
            select(users)
            .where(*conditions)
            .order_by(users.c.created_at, users.c.id)
            .limit(page.page_size)
            .offset(page.offset)
        )
        items = [user_from_row(row) for row in self._conn.execute(stmt)]
        if len(items) < page.page_size and (items or page.offset == 0):
            return Page.of(items, page, page.offset + len(items))
        count = select(func.count()).select_from(users).where(*conditions)
        return Page.of(items, page, self._conn.execute(count).scalar_one())

    def _write(self, stmt: Executable) -> None:
        try:
            self._conn.execute(stmt)
        except IntegrityError as error:
            if violates(error, "uq_users_email", "users.email"):
                raise EmailAlreadyRegistered() from error
            raise
