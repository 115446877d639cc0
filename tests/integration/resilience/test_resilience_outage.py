"""PostgreSQL stops under a running server, then comes back.

While it is down, the server answers at once with a 503 problem (readiness, reads and writes
alike), never a hang or a 500. Once it is back, the very next requests succeed, from the
same server processes (no restart: `pool_pre_ping` replaces the dead connections).

This stops the shared PostgreSQL cluster, so it runs after every other test of the session
(marker `stops_postgres`) and always starts the cluster again, and waits until it accepts
connections, before it ends.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from postgres_support import POSTGRES_URL_VARIABLE, postgres_server_url
from resilience_support import (
    PASSWORD,
    PROBLEM_JSON,
    is_problem,
    postgres_accepts_connections,
    seed,
    serving,
)
from sqlalchemy.engine import make_url

from bookstore.adapters.sql import upgrade_database

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.stops_postgres]

PG_CONFIG = Path("/etc/postgresql")
LOOPBACK = {None, "", "localhost", "127.0.0.1", "::1"}
CTL_SECONDS = 60
BACK_SECONDS = 30
ANSWER_SECONDS = 5.0
"""How long a request may take while the database is down: an answer, not a hang."""


def cluster_of(server_url: str) -> tuple[str, str] | None:
    """(version, cluster name) of the local Debian cluster serving the URL's port, if any."""
    url = make_url(server_url)
    if url.host not in LOOPBACK or shutil.which("pg_ctlcluster") is None:
        return None
    port = str(url.port or 5432)
    versions = sorted(PG_CONFIG.iterdir()) if PG_CONFIG.is_dir() else []
    for version in versions:
        for cluster in sorted(p for p in version.iterdir() if p.is_dir()):
            config = cluster / "postgresql.conf"
            if config.is_file() and _port_of(config.read_text()) == port:
                return version.name, cluster.name
    return None


def _port_of(config: str) -> str:
    for line in config.splitlines():
        setting, _, value = line.partition("#")[0].partition("=")
        if setting.strip() == "port":
            return value.strip().strip("'")
    return "5432"


def pg_ctlcluster(cluster: tuple[str, str], *action: str) -> None:
    version, name = cluster
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, *action]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=CTL_SECONDS, check=False
    )
    assert result.returncode == 0, f"{' '.join(command)}: {result.stdout}{result.stderr}"


def wait_until_accepting(server_url: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if postgres_accepts_connections(server_url):
            return True
        time.sleep(0.2)
    return False


@contextmanager
def cluster_back_at_the_end(server_url: str, cluster: tuple[str, str]) -> Iterator[None]:
    """Whatever happens in the block, the cluster is started again and accepts connections
    before the caller goes on."""
    try:
        yield
    finally:
        if not postgres_accepts_connections(server_url):
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, "start"],
                capture_output=True,
                timeout=CTL_SECONDS,
                check=False,
            )
        if not wait_until_accepting(server_url, BACK_SECONDS):
            pytest.fail(
                f"PostgreSQL {cluster} does not accept connections {BACK_SECONDS} s after "
                "its restart: other tests will fail",
                pytrace=False,
            )


@dataclass
class Traffic:
    """Threads reading a book and setting a cart line, over and over, until stopped."""

    base: str
    auth: dict[str, str]
    book_id: int
    answers: list[tuple[int | str, float, str]] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> Traffic:
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(2)]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.done.set()
        for thread in self.threads:
            thread.join(timeout=3 * ANSWER_SECONDS)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=3 * ANSWER_SECONDS) as http:
            requests = [
                http.build_request("GET", f"/api/books/{self.book_id}"),
                http.build_request(
                    "PUT",
                    f"/api/cart/items/{self.book_id}",
                    json={"quantity": 1},
                    headers=self.auth,
                ),
            ]
            while not self.done.is_set():
                for request in requests:
                    started = time.monotonic()
                    try:
                        response = http.send(request)
                    except httpx.TransportError as error:
                        self.answers.append((type(error).__name__, 0.0, ""))
                        continue
                    elapsed = time.monotonic() - started
                    kind = "" if response.status_code < 400 else problem_type(response)
                    self.answers.append((response.status_code, elapsed, kind))
                time.sleep(0.01)


def problem_type(response: httpx.Response) -> str:
    try:
        return str(response.json().get("type"))
    except ValueError:
        return response.text[:200]


def timed(request: httpx.Request, http: httpx.Client) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = http.send(request)
    return response, time.monotonic() - started


def assert_unavailable(response: httpx.Response, seconds: float) -> None:
    assert seconds < ANSWER_SECONDS, f"{response.request.url} took {seconds:.1f} s"
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert is_problem(response, "service-unavailable"), response.text
    assert "Traceback" not in response.text
    if response.request.url.path.startswith("/api/"):
        assert int(response.headers["Retry-After"]) >= 1


def test_database_restart_and_outage_are_quick_503s_and_service_resumes_without_restart(
    postgres_url: str, tmp_path: Path
) -> None:
    server_url = postgres_server_url()
    cluster = cluster_of(server_url)
    if cluster is None:
        pytest.skip(
            f"{POSTGRES_URL_VARIABLE} is not a local cluster that pg_ctlcluster can stop "
            f"and start (root on a Debian-style PostgreSQL, config under {PG_CONFIG})"
        )
    if os.geteuid() != 0:
        pytest.skip("stopping the PostgreSQL cluster needs root")
    upgrade_database(postgres_url)
    store = seed(postgres_url, [50, 50, 50], customers=1)
    first, second, third = store.book_ids

    with (
        serving(postgres_url, tmp_path, workers=2) as server,
        httpx.Client(base_url=server.base, timeout=3 * ANSWER_SECONDS) as http,
        cluster_back_at_the_end(server_url, cluster),
    ):
        assert server.process is not None
        pid = server.process.pid
        login = {"email": store.emails[0], "password": PASSWORD}
        token = http.post("/api/auth/login", json=login).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        assert http.get("/health/ready").status_code == 200
        added = http.post("/api/cart/items", json={"book_id": first}, headers=auth)
        assert added.status_code == 200, added.text
        assert_every_worker_reads(server.base, second)  # each worker has pooled connections

        # 1. a quiet restart: every pooled connection is dead, and none is handed out
        pg_ctlcluster(cluster, "restart", "-m", "fast")
        assert wait_until_accepting(server_url, BACK_SECONDS)
        assert_every_worker_reads(server.base, second)
        assert http.get("/health/ready").status_code == 200

        # 2. a stop under traffic: quick 503 problems, then service again
        with Traffic(server.base, auth, second) as traffic:
            time.sleep(0.3)
            pg_ctlcluster(cluster, "stop", "-m", "fast")
            assert not postgres_accepts_connections(server_url)
            for request in (
                http.build_request("GET", "/health/ready"),
                http.build_request(
                    "POST", "/api/cart/items", json={"book_id": third}, headers=auth
                ),
                http.build_request("GET", f"/api/books/{first}"),
                http.build_request("POST", "/api/orders", headers=auth),
            ):
                assert_unavailable(*timed(request, http))
            pg_ctlcluster(cluster, "start")
            assert wait_until_accepting(server_url, BACK_SECONDS)
            time.sleep(0.3)

        # the same processes serve again
        ready = http.get("/health/ready")
        assert ready.status_code == 200, ready.text
        added = http.post("/api/cart/items", json={"book_id": third}, headers=auth)
        assert added.status_code == 200, added.text
        assert {line["book_id"] for line in added.json()["items"]} >= {first, third}
        order = http.post("/api/orders", headers=auth)
        assert order.status_code == 201, order.text
        assert_every_worker_reads(server.base, second)
        assert server.starts == 1
        assert server.process.poll() is None
        assert server.process.pid == pid

    answers = Counter((status, kind) for status, _, kind in traffic.answers)
    print(f"traffic through the outage: {dict(answers)}")
    assert set(answers) <= {(200, ""), (503, "/problems/service-unavailable")}, answers
    assert answers[(503, "/problems/service-unavailable")] > 0, "the traffic missed the outage"
    assert traffic.answers[-1][0] == 200, "the traffic did not recover"
    slowest = max(elapsed for _, elapsed, _ in traffic.answers)
    assert slowest < ANSWER_SECONDS, f"a request took {slowest:.1f} s during the outage"
    logs = server.logs(last=100_000)
    assert " 500 " not in logs, logs


def assert_every_worker_reads(base: str, book_id: int) -> None:
    """Ten reads on fresh connections, so that each worker answers some: all succeed."""
    for _ in range(10):
        with httpx.Client(base_url=base, timeout=ANSWER_SECONDS) as fresh:
            response = fresh.get(f"/api/books/{book_id}")
            assert response.status_code == 200, response.text
