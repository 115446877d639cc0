"""`bookstore serve` as a real process on a free port, for the tests that talk to a live
server: the command line's, the README's, the docs page's and the generated client's."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

STARTUP_SECONDS = 20
SHUTDOWN_SECONDS = 15
COMMAND_TIMEOUT = 60


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def bookstore(*args: str) -> list[str]:
    """The `bookstore` console script of this interpreter's environment."""
    return [sys.executable, "-m", "bookstore.entrypoints.cli", *args]


def sqlite_env(workdir: Path, **settings: str) -> dict[str, str]:
    """This process's environment without its BOOKSTORE_* settings, plus a SQLite file in
    `workdir` and fast password hashing."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("BOOKSTORE_")}
    return inherited | {
        "BOOKSTORE_DATABASE_URL": f"sqlite:///{workdir / 'bookstore.db'}",
        "BOOKSTORE_BCRYPT_ROUNDS": "4",
        **settings,
    }


def run(workdir: Path, env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        bookstore(*args),
        cwd=workdir,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )


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
def serving(workdir: Path, env: Mapping[str, str], *args: str) -> Iterator[str]:
    """`bookstore serve ARGS` on a free port; yields its base URL, then stops it with SIGTERM
    and checks that it exits cleanly. It is killed whatever happens."""
    port = free_port()
    log = workdir / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            bookstore("serve", "--port", str(port), *args),
            cwd=workdir,
            env=dict(env),
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
