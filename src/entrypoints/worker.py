"""The worker: periodic jobs, run by `bookstore worker` or embedded in `bookstore serve`.

A job is a name, a period and a callable returning how much it did. Jobs claim their work in
the database (conditional updates, unique keys), so several workers on one database never
apply one piece of work twice; a job that fails is logged and tried again next period.
Housekeeping (`bookstore db prune`) runs hourly; the outbox's deliveries (e-mail and
webhooks, §14) every half second, so a customer's mail follows their order at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bookstore.entrypoints.container import Container

logger = logging.getLogger("bookstore.worker")

PAYMENT_OUTCOMES_EVERY = 0.5
EXPIRY_EVERY = 60.0
REFUNDS_EVERY = 30.0
PRUNE_EVERY = 3600.0
EVENTS_EVERY = 0.5
"""Often, so that a mail or webhook follows its change within a second or so."""


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    every: float
    """Seconds between two runs."""
    run: Callable[[], int]
    stop: Callable[[], None] | None = None
    """Asks a run in progress to wrap up (give back the work it claimed and has not done)."""


def jobs_of(container: Container) -> list[Job]:
    """Every periodic job of the store."""
    deliver_events = container.deliver_events()
    return [
        Job("payment-outcomes", PAYMENT_OUTCOMES_EVERY, container.apply_due_outcomes()),
        Job("expire-unpaid-orders", EXPIRY_EVERY, container.expire_unpaid_orders()),
        Job("owed-refunds", REFUNDS_EVERY, container.refunds().issue_owed),
        Job("prune-expired", PRUNE_EVERY, lambda: container.prune_expired()().total),
        Job("deliver-events", EVENTS_EVERY, deliver_events, deliver_events.stop),
    ]


class Worker:
    def __init__(self, jobs: Sequence[Job]) -> None:
        self._jobs = list(jobs)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> dict[str, int]:
        """Run every job once now; what each did (a failed job counts as 0)."""
        return {job.name: self._run(job) for job in self._jobs}

    def run_forever(self) -> None:
        """Run each job every period, until `stop()`; each job runs first at once."""
        due = {job.name: 0.0 for job in self._jobs}
        while not self._stop.is_set():
            now = time.monotonic()
            for job in self._jobs:
                if self._stop.is_set():
                    return
                if due[job.name] <= now:
                    self._run(job)
                    due[job.name] = time.monotonic() + job.every
            self._stop.wait(max(0.0, min(due.values()) - time.monotonic()))

    def start(self) -> Worker:
        """Run in a daemon thread (the embedded worker)."""
        self._thread = threading.Thread(target=self.run_forever, name="bookstore-worker")
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the job in progress, waiting for it at most `timeout` seconds."""
        self._stop.set()
        for job in self._jobs:
            if job.stop is not None:
                job.stop()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self, job: Job) -> int:
        try:
            done = job.run()
        except Exception:
            logger.exception("worker job %s failed; it runs again in %.0f s", job.name, job.every)
            return 0
        if done:
            logger.info("worker job %s: %d done", job.name, done)
        return done
