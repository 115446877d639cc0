"""`bookstore serve`: migrate once, then run the API under uvicorn."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Any

import click

from bookstore.entrypoints.cli.errors import AddressUnusable, mask_url
from bookstore.entrypoints.cli.runtime import Runtime, is_process_local, pass_runtime

if TYPE_CHECKING:
    from bookstore.entrypoints.worker import Worker

ASGI_APP = "bookstore.entrypoints.asgi:app"
GRACEFUL_SHUTDOWN_SECONDS = 30


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port."
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Server processes sharing the port.",
)
@pass_runtime
def serve(runtime: Runtime, host: str, port: int, workers: int) -> None:
    """Bring the database schema up to date, then serve the HTTP API.

    Migrations run once, here, before any worker starts: workers never race on the schema.
    Unless BOOKSTORE_EMBEDDED_WORKER=false, the periodic jobs of `bookstore worker` run in
    this process too.
    """
    settings = runtime.settings
    if workers > 1 and is_process_local(settings.database_url):
        raise click.BadParameter(
            f"{mask_url(settings.database_url)} keeps its data inside one process, so "
            "several workers would each see a different store: use --workers 1 or a SQLite "
            "file or PostgreSQL database",
            param_hint="--workers",
        )
    check_can_listen(host, port)
    with exiting_cleanly_on_sigterm(), metrics_of_every_process(settings.metrics_token != ""):
        runtime.migrate()
        import uvicorn  # here, so the other commands start without loading the server

        embedded = start_embedded_worker(runtime) if settings.embedded_worker else None
        try:
            _serve(uvicorn, settings.log_level, host, port, workers)
        finally:
            if embedded is not None:
                embedded.stop()


@contextmanager
def exiting_cleanly_on_sigterm() -> Iterator[None]:
    """SIGTERM ends the command with exit 0, after its clean-up, at any moment. While uvicorn
    serves, it holds SIGTERM itself: it stops taking connections, lets the requests in flight
    finish (`GRACEFUL_SHUTDOWN_SECONDS` at most), and then raises the signal again, which
    lands here once it has put this handler back; the embedded worker then stops after its
    job in progress."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def metrics_of_every_process(enabled: bool) -> Iterator[None]:
    """prometheus_client's multiprocess mode, in a directory of this instance's own, made
    fresh (a restart starts its counters at zero) and removed at the end: every server
    process and the embedded worker write their figures there, and whichever process answers
    GET /metrics adds them up. Set before anything imports prometheus_client."""
    if not enabled:
        yield
        return
    directory = tempfile.mkdtemp(prefix="bookstore-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    try:
        yield
    finally:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        shutil.rmtree(directory, ignore_errors=True)


def start_embedded_worker(runtime: Runtime) -> Worker:
    """One worker per `bookstore serve` instance, in this (the supervising) process: not one
    per server process. A store that lives in one process shares the served app's."""
    from bookstore.entrypoints.worker import Worker, jobs_of

    container = runtime.container
    if is_process_local(runtime.settings.database_url):
        from bookstore.entrypoints.asgi import app  # the app uvicorn serves in this process
        from bookstore.entrypoints.http.dependencies import container_of

        container = container_of(app.state)
    return Worker(jobs_of(container)).start()


def _serve(uvicorn: Any, log_level: str, host: str, port: int, workers: int) -> None:
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "workers": workers,
        "loop": "auto",  # uvloop when installed
        "http": "auto",  # httptools when installed
        "access_log": False,  # the app logs one line per request, with its request id
        "log_level": log_level.lower(),
        # The app believes X-Forwarded-For from BOOKSTORE_TRUSTED_PROXIES only, whatever
        # serves it; uvicorn must not rewrite the client address before the app sees it.
        "proxy_headers": False,
        "server_header": False,
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_SECONDS,
    }
    if workers == 1:
        uvicorn.run(ASGI_APP, **options)
        return
    config = uvicorn.Config(ASGI_APP, **options)
    supervisor_of(uvicorn)(config, sockets=[config.bind_socket()]).run()


def supervisor_of(uvicorn: Any) -> Any:
    """uvicorn's supervisor of several server processes (what `uvicorn.run` starts), letting
    go of the listening socket the moment SIGTERM or SIGINT arrives. It holds a copy of the
    socket its workers accept on: while the workers finish their requests in flight (up to
    30 s), the kernel would go on accepting connections on that copy that nobody serves, where
    a proxy should be told "refused" at once and try another instance."""
    from uvicorn.supervisors import Multiprocess

    class Supervisor(Multiprocess):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            for stop in (signal.SIGTERM, signal.SIGINT):
                signal.signal(stop, self._let_go)

        def _let_go(self, signum: int, frame: FrameType | None) -> None:
            for sock in self.sockets:
                sock.close()
            self.signal_queue.append(signum)  # then uvicorn stops its workers, as ever

    return Supervisor


def check_can_listen(host: str, port: int) -> None:
    """Bind the address once, as uvicorn will, and let it go: a taken port is then one clear
    line and exit 4 before anything starts, not uvicorn's "startup complete" then exit 3."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise AddressUnusable(f"cannot listen on {host}:{port}: {error.strerror}") from None
    for family, kind, protocol, _, address in addresses:
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
            try:
                probe.bind(address)
            except OSError as error:
                if error.errno == errno.EADDRINUSE:
                    raise AddressUnusable(
                        f"port {port} on {host} is already in use: stop what listens there, "
                        f"or choose another port: bookstore serve --port {port + 1} "
                        f"(make run PORT={port + 1})"
                    ) from None
                raise AddressUnusable(f"cannot listen on {host}:{port}: {error.strerror}") from None
