"""Refresh tokens and revoked access tokens in SQL."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, exists, insert, literal, select, update

from bookstore.adapters.sql.statements import Db, fields_of, unless_there
from bookstore.adapters.sql.tables import refresh_tokens, revoked_access_tokens, users
from bookstore.application.ports import AccessCheck, RefreshTokenRecord
from bookstore.domain.user import Role

_THIS_TOKEN = refresh_tokens.c.token_id == bindparam("token")

# Built once; each call only binds its values.
_ADD_REFRESH = insert(refresh_tokens)
_GET_REFRESH = select(refresh_tokens).where(_THIS_TOKEN)
_USE_REFRESH = (
    update(refresh_tokens)
    .where(_THIS_TOKEN, refresh_tokens.c.used_at.is_(None), refresh_tokens.c.revoked_at.is_(None))
    .values(used_at=bindparam("now"))
)
_REVOKE_FAMILY = (
    update(refresh_tokens)
    .where(
        refresh_tokens.c.family_id == bindparam("family"),
        refresh_tokens.c.revoked_at.is_(None),
    )
    .values(revoked_at=bindparam("now"))
)
_REVOKED = exists().where(revoked_access_tokens.c.token_id == bindparam("token"))
_IS_REVOKED = select(_REVOKED)
_one = select(literal(1).label("one")).subquery("t")
_CHECK_ACCESS = select(_REVOKED.label("revoked"), users.c.role, users.c.is_active).select_from(
    _one.outerjoin(users, users.c.id == bindparam("user"))
)
"""One row whether or not the account exists."""
_REVOKE_ACCESS = unless_there(revoked_access_tokens, ["token_id"])
"""Revoking twice (or concurrently) is harmless: the token is revoked either way."""


class SqlSessionRepository:
    def __init__(self, db: Db) -> None:
        self._db = db

    def add_refresh_token(self, record: RefreshTokenRecord) -> None:
        self._db.write(_ADD_REFRESH, fields_of(record))

    def get_refresh_token(self, token_id: str) -> RefreshTokenRecord | None:
        row = self._db.first(_GET_REFRESH, {"token": token_id})
        return RefreshTokenRecord(*row) if row is not None else None

    def use_refresh_token(self, token_id: str, now: datetime) -> bool:
        """One conditional UPDATE: of two concurrent uses, exactly one wins."""
        return self._db.write(_USE_REFRESH, {"token": token_id, "now": now}) == 1

    def revoke_family(self, family_id: str, now: datetime) -> None:
        self._db.write(_REVOKE_FAMILY, {"family": family_id, "now": now})

    def revoke_access_token(self, token_id: str, expires_at: datetime) -> None:
        params = {"token_id": token_id, "expires_at": expires_at}
        self._db.write(_REVOKE_ACCESS[self._db.dialect], params)

    def is_access_token_revoked(self, token_id: str) -> bool:
        return bool(self._db.scalar(_IS_REVOKED, {"token": token_id}))

    def check_access(self, token_id: str, user_id: UUID) -> AccessCheck:
        row = self._db.first(_CHECK_ACCESS, {"token": token_id, "user": user_id})
        revoked, role, is_active = row if row is not None else (False, None, False)
        if role is None:
            return AccessCheck(bool(revoked), None)
        return AccessCheck(bool(revoked), Role(role), bool(is_active))
