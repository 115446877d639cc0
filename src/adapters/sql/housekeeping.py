"""Housekeeping in SQL: one `DELETE` per kind of row that no one may use any more."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BindParameter, bindparam, delete, or_

from bookstore.adapters.sql.statements import Db
from bookstore.adapters.sql.tables import idempotency_keys, refresh_tokens, revoked_access_tokens

# Built once; each call only binds its values.
_NOW: BindParameter[datetime] = bindparam("now")
_PRUNE_REVOKED_ACCESS = delete(revoked_access_tokens).where(
    revoked_access_tokens.c.expires_at < _NOW
)
_PRUNE_REFRESH = delete(refresh_tokens).where(
    or_(refresh_tokens.c.expires_at < _NOW, refresh_tokens.c.revoked_at.is_not(None))
)
_PRUNE_IDEMPOTENCY = delete(idempotency_keys).where(
    idempotency_keys.c.created_at < bindparam("before")
)


class SqlHousekeeping:
    def __init__(self, db: Db) -> None:
        self._db = db

    def prune_revoked_access_tokens(self, now: datetime) -> int:
        return self._db.write(_PRUNE_REVOKED_ACCESS, {"now": now})

    def prune_refresh_tokens(self, now: datetime) -> int:
        return self._db.write(_PRUNE_REFRESH, {"now": now})

    def prune_idempotency_keys(self, created_before: datetime) -> int:
        return self._db.write(_PRUNE_IDEMPOTENCY, {"before": created_before})
