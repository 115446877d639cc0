"""Liveness and readiness probes for orchestrators and load balancers."""

from __future__ import annotations

import logging

import msgspec
from litestar import Controller, get
from litestar.datastructures import State
from litestar.exceptions import ServiceUnavailableException

from bookstore.entrypoints.http.dependencies import container_of
from bookstore.entrypoints.http.problems import problems
from bookstore.entrypoints.http.security import PUBLIC

logger = logging.getLogger("bookstore.http")


class HealthOut(msgspec.Struct, kw_only=True):
    status: str


class HealthController(Controller):
    path = "/health"
    tags = ("health",)
    opt = PUBLIC

    @get("/live", operation_id="checkLiveness")
    async def live(self) -> HealthOut:
        """The process runs."""
        return HealthOut(status="ok")

    @get("/ready", operation_id="checkReadiness", sync_to_thread=True, responses=problems(503))
    def ready(self, state: State) -> HealthOut:
        """The database answers a trivial read."""
        if not database_answers(state):
            raise ServiceUnavailableException("The database does not answer.")
        return HealthOut(status="ready")


def database_answers(state: State) -> bool:
    """A read-only unit of work and one indexed lookup: enough to prove the database answers.
    Whatever the failure, the probe says "not ready" and the log says why."""
    try:
        with container_of(state).uow()(read_only=True) as uow:
            uow.books.get(0)
    except Exception:
        logger.warning("readiness probe failed", exc_info=True)
        return False
    return True
