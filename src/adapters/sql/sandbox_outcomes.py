"""The sandbox provider's delayed outcomes in the database, shared by every process.

A worker claims due outcomes one conditional update each (`... WHERE event_id = :id AND
done_at IS NULL AND (claimed_until IS NULL OR claimed_until <= :now)`): of several workers,
one gets each outcome; one that dies holding it lets it go when its claim runs out.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, or_, select, update

from bookstore.adapters.sql.payment_tables import sandbox_outcomes
from bookstore.adapters.sql.statements import unless_there
from bookstore.adapters.sql.unit_of_work import SqlUnitOfWorkFactory

_o = sandbox_outcomes.c
_ADD = unless_there(sandbox_outcomes)
_FREE = (
    _o.done_at.is_(None),
    or_(_o.claimed_until.is_(None), _o.claimed_until <= bindparam("now")),
)
_DUE = (
    select(_o.event_id, _o.payload)
    .where(*_FREE, _o.due_at <= bindparam("now"))
    .order_by(_o.due_at)
    .limit(bindparam("limit"))
)
_CLAIM = (
    update(sandbox_outcomes)
    .where(_o.event_id == bindparam("the_event"), *_FREE)
    .values(claimed_until=bindparam("until"))
)
_DONE = (
    update(sandbox_outcomes)
    .where(_o.event_id == bindparam("the_event"))
    .values(done_at=bindparam("at"))
)


class SqlOutcomeSchedule:
    def __init__(self, storage: SqlUnitOfWorkFactory) -> None:
        self._storage = storage

    def add(self, event_id: str, payload: bytes, due_at: datetime) -> None:
        with self._storage() as uow:
            row = {"event_id": event_id, "payload": payload.decode(), "due_at": due_at}
            uow.db.write(_ADD[uow.db.dialect], row)
            uow.commit()

    def claim_due(self, now: datetime, until: datetime, limit: int) -> list[bytes]:
        with self._storage(read_only=True) as uow:
            due = uow.db.rows(_DUE, {"now": now, "limit": limit})
        if not due:
            return []
        claimed = []
        with self._storage() as uow:
            for event_id, payload in due:
                params = {"the_event": event_id, "now": now, "until": until}
                if uow.db.write(_CLAIM, params) == 1:
                    claimed.append(payload.encode())
            uow.commit()
        return claimed

    def done(self, event_id: str, at: datetime) -> None:
        with self._storage() as uow:
            uow.db.write(_DONE, {"the_event": event_id, "at": at})
            uow.commit()
