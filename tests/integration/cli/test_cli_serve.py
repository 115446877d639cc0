"""`bookstore serve`: a real server process on a free port, stopped cleanly."""

from __future__ import annotations

import importlib.util
import json
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from cli_support import Cli, assert_clean_failure, free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("bookstore.entrypoints.asgi") is None,
        reason="bookstore.entrypoints.asgi (the HTTP entrypoint) does not exist yet",
    ),
]

STARTUP_SECONDS = 20
SHUTDOWN_SECONDS = 15


def get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (our own URL)
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, None


def wait_until_live(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited with {server.returncode}:\n{log.read_text()}")
        try:
            if get(f"{base}/health/live")[0] == 200:
                return
        except OSError:
            pass  # not listening yet
        time.sleep(0.1)
    pytest.fail(f"the server did not answer within {STARTUP_SECONDS} s:\n{log.read_text()}")


@contextmanager
def serving(cli: Cli, *args: str) -> Iterator[str]:
    """`bookstore serve` on a free port; yields its base URL, then stops it with SIGTERM
    and checks that it exits cleanly. It is killed whatever happens."""
    port = free_port()
    log = cli.workdir / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            cli.command("serve", "--port", str(port), *args),
            cwd=cli.workdir,
            env=cli.env(),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_live(base, server, log)
        yield base
        server.send_signal(signal.SIGTERM)
        # uvicorn re-raises the signal once it has shut down gracefully; a supervisor of
        # several workers exits with 0
        assert server.wait(timeout=SHUTDOWN_SECONDS) in (0, -signal.SIGTERM), log.read_text()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=SHUTDOWN_SECONDS)
    output = log.read_text()
    assert "Traceback" not in output
    assert "Application shutdown complete" in output


def test_serve_answers_until_terminated(cli: Cli) -> None:
    assert cli.run("seed-demo").returncode == 0

    with serving(cli) as base:
        status, page = get(f"{base}/api/books?page_size=5")

    assert status == 200
    assert page["total"] >= 200
    assert len(page["items"]) == 5


def test_serve_migrates_a_fresh_database_before_its_workers_start(cli: Cli) -> None:
    with serving(cli, "--workers", "2") as base:
        status, page = get(f"{base}/api/books")

    assert status == 200
    assert page["total"] == 0


def test_a_taken_port_is_one_clear_line_and_exit_4(cli: Cli) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = cli.run("serve", "--port", str(port))

    line = assert_clean_failure(result, exit_code=4)
    assert f"port {port} on 127.0.0.1 is already in use" in line
    assert "--port" in line
    assert "make run PORT=" in line
    assert "startup complete" not in result.stdout + result.stderr
