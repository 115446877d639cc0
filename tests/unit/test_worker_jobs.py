"""The worker's periodic jobs: housekeeping is one of them, hourly, beside the payments'."""

from __future__ import annotations

from bookstore.entrypoints.worker import PRUNE_EVERY, jobs_of

from .support import Shop


def test_the_worker_prunes_expired_records_every_hour() -> None:
    shop = Shop.open()
    jobs = {job.name: job for job in jobs_of(shop.app)}

    assert jobs["prune-expired"].every == PRUNE_EVERY == 3600
    assert {"payment-outcomes", "expire-unpaid-orders", "owed-refunds"} <= set(jobs)
    assert jobs["prune-expired"].run() == 0  # nothing has expired yet
