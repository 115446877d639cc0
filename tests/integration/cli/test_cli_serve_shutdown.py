"""SIGTERM to a `bookstore serve` instance (contract §17): it stops taking connections,
finishes the requests in flight, and exits 0, its embedded worker stopped too."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from live_server import bookstore, free_port, sqlite_env, wait_until_live
from sqlalchemy import create_engine, func, select

from bookstore.adapters.sql.tables import users

pytestmark = pytest.mark.slow

STOP_SECONDS = 40  # requests in flight get 30 s


def request_head(port: int, body: bytes) -> bytes:
    return (
        f"POST /api/auth/register HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Expect: 100-continue\r\n\r\n"
    ).encode()


def refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except OSError:
        return True


def test_sigterm_finishes_the_request_in_flight_refuses_new_ones_and_exits_0(
    tmp_path: Path,
) -> None:
    port = free_port()
    log = tmp_path / "server.log"
    env = sqlite_env(tmp_path)
    with log.open("wb") as output:
        server = subprocess.Popen(
            bookstore("serve", "--port", str(port), "--workers", "2"),
            cwd=tmp_path,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_live(f"http://127.0.0.1:{port}", server, log)
        body = json.dumps({"email": "late@example.com", "password": "correct horse battery"})
        with socket.create_connection(("127.0.0.1", port), timeout=10) as in_flight:
            in_flight.sendall(request_head(port, body.encode()))
            # The app asked for the body: the request is being handled.
            assert in_flight.recv(100).startswith(b"HTTP/1.1 100 Continue")
            os.killpg(server.pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_SECONDS
            while not refuses_connections(port):
                assert time.monotonic() < deadline, "still taking connections after SIGTERM"
                time.sleep(0.05)
            in_flight.sendall(body.encode())
            answer = in_flight.recv(65536)
        exit_code = server.wait(timeout=STOP_SECONDS)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)

    output = log.read_text()
    assert answer.startswith(b"HTTP/1.1 201"), output
    assert exit_code == 0, output
    assert "Traceback" not in output
    engine = create_engine(env["BOOKSTORE_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            count = conn.execute(select(func.count()).where(users.c.email == "late@example.com"))
            assert count.scalar_one() == 1
    finally:
        engine.dispose()
