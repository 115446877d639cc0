from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bookstore.application.config import StoreConfig
from bookstore.application.ports import Clock, UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class PruneReport:
    counts: tuple[tuple[str, int], ...]
    """How many rows of each kind were deleted, in the order they were pruned."""

    @property
    def total(self) -> int:
        return sum(count for _, count in self.counts)

    @property
    def summary(self) -> str:
        return ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in self.counts)


DELIVERED_EVENTS_KEPT = timedelta(days=30)


class PruneExpired:
    """Delete what no one may use any more (`bookstore db prune`, and the worker, hourly).

    - Revoked access tokens past their expiry (an expired token is refused anyway).
    - Refresh tokens past their expiry, and revoked ones. A used refresh token is kept until
      it expires: presenting it again is how a stolen token shows itself, and revokes its
      family.
    - Idempotency keys older than their lifetime (`StoreConfig.idempotency_key_ttl`).
    - Events older than 30 days whose deliveries are all over (succeeded, or dead), with
      their deliveries (§14, §16).
    - Each kind in a unit of work of its own, so none holds the database for long.
    The system's chore: no actor.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, config: StoreConfig | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ttl = (config or StoreConfig()).idempotency_key_ttl

    def __call__(self) -> PruneReport:
        now = self._clock.now()
        steps: dict[str, Callable[[UnitOfWork], int]] = {
            "revoked_access_tokens": lambda u: u.housekeeping.prune_revoked_access_tokens(now),
            "refresh_tokens": lambda u: u.housekeeping.prune_refresh_tokens(now),
            "idempotency_keys": lambda u: u.housekeeping.prune_idempotency_keys(now - self._ttl),
            "delivered_events": lambda u: u.deliveries.prune_delivered(now - DELIVERED_EVENTS_KEPT),
        }
        counts = []
        for name, step in steps.items():
            with self._uow() as uow:
                counts.append((name, step(uow)))
                uow.commit()
        return PruneReport(tuple(counts))
