"""Refresh tokens and revoked access tokens in SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, exists, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bookstore.adapters.sql.rows import AnyRow
from bookstore.adapters.sql.tables import refresh_tokens, revoked_access_tokens
from bookstore.application.ports import RefreshTokenRecord


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
