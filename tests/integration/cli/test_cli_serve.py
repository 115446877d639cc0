"""`bookstore serve`: a real server process on a free port, stopped cleanly."""

from __future__ import annotations

import importlib.util
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import live_server
import pytest
from cli_support import Cli, assert_clean_failure
from live_server import get

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("bookstore.entrypoints.asgi") is None,
        reason="bookstore.entrypoints.asgi (the HTTP entrypoint) does not exist yet",
    ),
]


@contextmanager
def serving(cli: Cli, *args: str) -> Iterator[str]:
    """`bookstore serve` on a free port, with the CLI's settings (see `live_server.serving`)."""
    with live_server.serving(cli.workdir, cli.env(), *args) as base:
        yield base


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
