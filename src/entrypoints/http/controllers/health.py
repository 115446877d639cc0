"""Liveness and readiness probes for orchestrators and load balancers."""

from __future__ import annotations

import msgspec
from litestar import Controller, get
from litestar.datastructures import State
from litestar.exceptions import ServiceUnavailableException

from bookstore.entrypoints.http.dependencies import container_of
from bookstore.entrypoints.http.problems import problems
from bookstore.entrypoints.http.security import PUBLIC


class HealthOut(msgspec.Struct, kw_only=True):
    status: str


class HealthController(Controller):
    path = "/health"
    tags = ("health",)
    opt = PUBLIC

    @get("/live")
    async def live(self) -> HealthOut:
        """The process runs."""
        return HealthOut(status="ok")

    @get("/ready", sync_to_thread=True, responses=problems(503))
    def ready(self, state: State) -> HealthOut:
        """The database answers a trivial read."""
        try:
            probe_database(state)
        except Exception as error:
            raise ServiceUnavailableException("The database does not answer.") from error
        return HealthOut(status="ready")


def probe_database(state: State) -> None:
    """A read-only unit of work and one indexed lookup: enough to prove the database answers."""
    with container_of(state).uow()(read_only=True) as uow:
        uow.books.get(0)
