"""Idempotency keys in SQL, claimed in the same transaction as the order they protect."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Connection, delete, func, insert, select

from bookstore.adapters.sql.tables import idempotency_keys
from bookstore.application.ports import IdempotencyRecord
from bookstore.domain.errors import IdempotencyInFlight


class SqlIdempotencyRepository:
    """On PostgreSQL a write transaction claims the key with a transaction-scoped advisory
    lock taken without waiting: a concurrent request with the same key is told it is in
    flight. SQLite's `BEGIN IMMEDIATE` serialises writers, so there the second request
    waits for the first and then finds its record."""

    def __init__(self, conn: Connection, *, claim_keys: bool) -> None:
        self._conn = conn
        self._claim_keys = claim_keys

    def find(self, user_id: UUID, key: str, not_before: datetime) -> IdempotencyRecord | None:
        if self._claim_keys:
            self._claim(user_id, key)
        stmt = select(idempotency_keys).where(
            idempotency_keys.c.user_id == user_id,
            idempotency_keys.c.key == key,
            idempotency_keys.c.created_at >= not_before,
        )
        row = self._conn.execute(stmt).first()
        if row is None:
            return None
        return IdempotencyRecord(
            row.user_id, row.key, row.fingerprint, row.order_id, row.created_at
        )

    def save(self, record: IdempotencyRecord) -> None:
        # A record still here has expired (`find` would have returned it otherwise).
        self._conn.execute(
            delete(idempotency_keys).where(
                idempotency_keys.c.user_id == record.user_id,
                idempotency_keys.c.key == record.key,
            )
        )
        self._conn.execute(
            insert(idempotency_keys).values(
                user_id=record.user_id,
                key=record.key,
                fingerprint=record.fingerprint,
                order_id=record.order_id,
                created_at=record.created_at,
            )
        )

    def _claim(self, user_id: UUID, key: str) -> None:
        lock_id = func.hashtextextended(f"idempotency:{user_id}:{key}", 0)
        claimed = self._conn.execute(select(func.pg_try_advisory_xact_lock(lock_id))).scalar()
        if not claimed:
            raise IdempotencyInFlight()
