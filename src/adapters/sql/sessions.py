"""Refresh tokens and revoked access tokens in SQL."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from uuid import UUID

from sqlalchemy import (
    Boolean,
    Connection,
    String,
    Uuid,
    bindparam,
    exists,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from bookstore.adapters.sql.engine import driver_error, sqlite_driver
from bookstore.adapters.sql.rows import AnyRow
from bookstore.adapters.sql.tables import refresh_tokens, revoked_access_tokens
from bookstore.application.ports import AccessCheck, RefreshTokenRecord
from bookstore.domain.user import Role

_CHECK_ACCESS_SQL = (
    "SELECT EXISTS (SELECT 1 FROM revoked_access_tokens WHERE token_id = {token_id})"
    " AS revoked, u.role, u.is_active"
    " FROM (SELECT 1 AS one) AS t LEFT OUTER JOIN users AS u ON u.id = {user_id}"
)
_CHECK_ACCESS_SQLITE = _CHECK_ACCESS_SQL.format(token_id="?", user_id="?")
"""For pysqlite directly, which stores a `Uuid` as its 32 hex digits."""
_CHECK_ACCESS = (
    text(_CHECK_ACCESS_SQL.format(token_id=":token_id", user_id=":user_id"))
    .bindparams(bindparam("token_id", type_=String()), bindparam("user_id", type_=Uuid()))
    .columns(revoked=Boolean(), role=String(), is_active=Boolean())
)
"""Built once: one row whether or not the account exists."""


def _record_from_row(row: AnyRow) -> RefreshTokenRecord:
    return RefreshTokenRecord(
        token_id=row.token_id,
        family_id=row.family_id,
        user_id=row.user_id,
        expires_at=row.expires_at,
        used_at=row.used_at,
        revoked_at=row.revoked_at,
    )


class SqlSessionRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_refresh_token(self, record: RefreshTokenRecord) -> None:
        self._conn.execute(
            insert(refresh_tokens).values(
                token_id=record.token_id,
                family_id=record.family_id,
                user_id=record.user_id,
                expires_at=record.expires_at,
                used_at=record.used_at,
                revoked_at=record.revoked_at,
            )
        )

    def get_refresh_token(self, token_id: str) -> RefreshTokenRecord | None:
        stmt = select(refresh_tokens).where(refresh_tokens.c.token_id == token_id)
        row = self._conn.execute(stmt).first()
        return _record_from_row(row) if row is not None else None

    def use_refresh_token(self, token_id: str, now: datetime) -> bool:
        """One conditional UPDATE: of two concurrent uses, exactly one wins."""
        stmt = (
            update(refresh_tokens)
            .where(
                refresh_tokens.c.token_id == token_id,
                refresh_tokens.c.used_at.is_(None),
                refresh_tokens.c.revoked_at.is_(None),
            )
            .values(used_at=now)
        )
        return self._conn.execute(stmt).rowcount == 1

    def revoke_family(self, family_id: str, now: datetime) -> None:
        stmt = (
            update(refresh_tokens)
            .where(refresh_tokens.c.family_id == family_id, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        self._conn.execute(stmt)

    def revoke_access_token(self, token_id: str, expires_at: datetime) -> None:
        """Revoking twice (or concurrently) is harmless: the token is revoked either way."""
        insert_ = postgresql.insert if self._conn.dialect.name == "postgresql" else sqlite.insert
        stmt = insert_(revoked_access_tokens).values(token_id=token_id, expires_at=expires_at)
        self._conn.execute(stmt.on_conflict_do_nothing(index_elements=["token_id"]))

    def is_access_token_revoked(self, token_id: str) -> bool:
        query = exists().where(revoked_access_tokens.c.token_id == token_id)
        return bool(self._conn.execute(select(query)).scalar())

    def check_access(self, token_id: str, user_id: UUID) -> AccessCheck:
        raw = sqlite_driver(self._conn)
        if raw is not None:
            args = (token_id, user_id.hex)
            try:
                revoked, role, is_active = raw.execute(_CHECK_ACCESS_SQLITE, args).fetchone()
            except sqlite3.Error as error:
                raise driver_error(error, _CHECK_ACCESS_SQLITE, args) from error
        else:
            params = {"token_id": token_id, "user_id": user_id}
            revoked, role, is_active = self._conn.execute(_CHECK_ACCESS, params).one()
        if role is None:
            return AccessCheck(bool(revoked), None)
        return AccessCheck(bool(revoked), Role(role), bool(is_active))
