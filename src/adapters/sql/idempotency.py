"""Idempotency keys in SQL, claimed in the same transaction as the order they protect."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, delete, func, insert, select

from bookstore.adapters.sql.statements import Db, fields_of
from bookstore.adapters.sql.tables import idempotency_keys
from bookstore.application.ports import IdempotencyRecord
from bookstore.domain.errors import IdempotencyInFlight

_THIS_KEY = (
    idempotency_keys.c.user_id == bindparam("owner"),
    idempotency_keys.c.key == bindparam("the_key"),
)
# Built once; each call only binds its values.
_FIND = select(idempotency_keys).where(
    *_THIS_KEY, idempotency_keys.c.created_at >= bindparam("not_before")
)
_FORGET = delete(idempotency_keys).where(*_THIS_KEY)
_REMEMBER = insert(idempotency_keys)
# PostgreSQL only: a transaction-scoped advisory lock on the key, taken without waiting.
_CLAIM = select(func.pg_try_advisory_xact_lock(func.hashtextextended(bindparam("claim"), 0)))


class SqlIdempotencyRepository:
    """On PostgreSQL a write transaction claims the key with a transaction-scoped advisory
    lock taken without waiting: a concurrent request with the same key is told it is in
    flight. SQLite's `BEGIN IMMEDIATE` serialises writers, so there the second request
    waits for the first and then finds its record."""

    def __init__(self, db: Db, *, claim_keys: bool) -> None:
        self._db = db
        self._claim_keys = claim_keys

    def find(self, user_id: UUID, key: str, not_before: datetime) -> IdempotencyRecord | None:
        if self._claim_keys and not self._db.scalar(_CLAIM, {"claim": _claim(user_id, key)}):
            raise IdempotencyInFlight()
        params = {"owner": user_id, "the_key": key, "not_before": not_before}
        row = self._db.first(_FIND, params)
        return IdempotencyRecord(*row) if row is not None else None

    def save(self, record: IdempotencyRecord) -> None:
        # A record still here has expired (`find` would have returned it otherwise).
        self._db.write(_FORGET, {"owner": record.user_id, "the_key": record.key})
        self._db.write(_REMEMBER, fields_of(record))


def _claim(user_id: UUID, key: str) -> str:
    return f"idempotency:{user_id}:{key}"
