"""`bookstore worker` and `bookstore orders expire`: the periodic jobs, from the console."""

from __future__ import annotations

import signal
from types import FrameType

import click

from bookstore.entrypoints.cli.runtime import Runtime, is_process_local, pass_runtime


@click.command()
@click.option("--once", is_flag=True, help="Run every job once, print what each did, and exit.")
@pass_runtime
def worker(runtime: Runtime, once: bool) -> None:
    """Run the periodic jobs until stopped (SIGTERM or Ctrl-C): the sandbox's delayed
    payment outcomes, e-mail and webhooks, the expiry of unpaid orders, owed refunds.

    Several workers may run on one database: each piece of work is claimed there, so none is
    done twice. Brings the database schema up to date first.
    """
    from bookstore.entrypoints.worker import Worker, jobs_of

    if is_process_local(runtime.settings.database_url):
        raise click.UsageError("memory:// lives in one process: a worker would see nothing")
    runtime.migrate()
    jobs = Worker(jobs_of(runtime.container))
    if once:
        for name, done in jobs.run_once().items():
            click.echo(f"{name}: {done}")
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        jobs.stop(timeout=0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo("Worker started.", err=True)
    jobs.run_forever()
    click.echo("Worker stopped.", err=True)


@click.group()
def orders() -> None:
    """Operate on orders."""


@orders.command()
@pass_runtime
def expire(runtime: Runtime) -> None:
    """Cancel every order unpaid for longer than BOOKSTORE_UNPAID_ORDER_MINUTES, once, and
    print how many. Brings the database schema up to date first."""
    runtime.migrate()
    cancelled = runtime.container.expire_unpaid_orders()()
    click.echo(f"Expired {cancelled} unpaid {'order' if cancelled == 1 else 'orders'}.")
