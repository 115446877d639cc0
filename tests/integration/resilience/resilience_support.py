"""Real `bookstore serve` process groups, stores seeded through the library, and HTTP clients.

Every server runs in a session (process group) of its own, so that one `killpg` reaches the
uvicorn supervisor, each worker and multiprocessing's resource tracker alike, and nothing
outlives a test. Everything listens on 127.0.0.1 only, on a free port.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from postgres_support import create_postgres_database, drop_postgres_database, psycopg_url
from sqlalchemy import create_engine, func, select

from bookstore.adapters.sql.tables import books, idempotency_keys, order_lines, orders, users
from bookstore.application.use_cases import (
    AddBookCommand,
    AddToCartCommand,
    CreateAdminCommand,
    RegisterUserCommand,
)
from bookstore.domain.book import BookDetails
from bookstore.domain.user import Actor
from bookstore.entrypoints.container import Container, create_container
from bookstore.entrypoints.settings import Settings

PASSWORD = "correct horse battery"
PROBLEM_JSON = "application/problem+json"
STARTUP_SECONDS = 30
STOP_SECONDS = 15
JWT_SECRET = secrets.token_hex(32)


# --- databases ------------------------------------------------------------------------------


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A database of its own on the server, dropped (with its connections) at the end."""
    database = create_postgres_database(server_url, prefix="bookstore_resilience")
    try:
        yield database.url
    finally:
        drop_postgres_database(database)


def postgres_accepts_connections(server_url: str) -> bool:
    engine = create_engine(psycopg_url(server_url), connect_args={"connect_timeout": 2})
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


# --- the store, seeded through the library ---------------------------------------------------


@dataclass(frozen=True)
class SeededStore:
    url: str
    book_ids: list[int]
    initial_stock: dict[int, int]
    emails: list[str]


def settings_for(url: str) -> Settings:
    return Settings(database_url=url, bcrypt_rounds=4, jwt_secret=JWT_SECRET)


@contextmanager
def library(url: str) -> Iterator[Container]:
    container = create_container(settings_for(url))
    try:
        yield container
    finally:
        engine = getattr(container.uow(), "engine", None)
        if engine is not None:
            engine.dispose()


def seed(
    url: str, stocks: Sequence[int], customers: int, cart: dict[int, int] | None = None
) -> SeededStore:
    """Books with the given stocks and `customers` customers, each with `cart` (book index →
    quantity) in their cart; through the use cases, as a library caller would."""
    with library(url) as store:
        admin = store.create_admin()(
            CreateAdminCommand(f"admin-{secrets.token_hex(4)}@example.com", PASSWORD)
        )
        actor = Actor(admin.id, admin.role)
        book_ids = []
        for n, stock in enumerate(stocks):
            details = BookDetails.parse(
                title=f"Resilience {n}",
                author="Ada Lovelace",
                genre="Computing",
                price=f"{7 + 3 * n}.{25 + n:02d}",
                stock=stock,
            )
            book_ids.append(store.add_book()(AddBookCommand(actor=actor, details=details)).id)
        emails = []
        register, add_to_cart = store.register_user(), store.add_to_cart()
        for _ in range(customers):
            email = f"buyer-{secrets.token_hex(6)}@example.com"
            user = register(RegisterUserCommand(email, PASSWORD))
            for index, quantity in (cart or {}).items():
                add_to_cart(AddToCartCommand(Actor(user.id, user.role), book_ids[index], quantity))
            emails.append(email)
    return SeededStore(url, book_ids, dict(zip(book_ids, stocks, strict=True)), emails)


# --- server processes -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def group_members(pgid: int) -> list[int]:
    """Every live (not zombie) process in the process group."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


@dataclass
class Server:
    """`bookstore serve --workers N` on a database, restartable on the same port."""

    url: str
    workdir: Path
    workers: int
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.workdir / f"server-{self.port}-{self.starts}.log"

    def env(self) -> dict[str, str]:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("BOOKSTORE_")}
        return inherited | {
            "BOOKSTORE_DATABASE_URL": self.url,
            "BOOKSTORE_ENV": "production",
            "BOOKSTORE_JWT_SECRET": JWT_SECRET,
            "BOOKSTORE_PAYMENT_PROVIDER": "sandbox",
            "BOOKSTORE_PAYMENT_WEBHOOK_SECRET": JWT_SECRET,
            "BOOKSTORE_RATE_LIMITS": "off",
            "BOOKSTORE_BCRYPT_ROUNDS": "4",
            # INFO, not WARNING: uvicorn says "Application startup complete." once per
            # worker, which is how we know that every worker serves
            "BOOKSTORE_LOG_LEVEL": "INFO",
        }

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None
        self.starts += 1
        command = [sys.executable, "-m", "bookstore.entrypoints.cli", "serve"]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--workers", str(self.workers)]
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                command,
                cwd=self.workdir,
                env=self.env(),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_until_serving(self) -> None:
        """Every worker has started its application, and one answers /health/live."""
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the server exited with {self.process.returncode}:\n{self.logs()}")
            started = self.log.read_text(errors="replace").count("Application startup complete")
            if started >= self.workers and self._live():
                return
            time.sleep(0.05)
        pytest.fail(f"the server did not serve within {STARTUP_SECONDS} s:\n{self.logs()}")

    def _live(self) -> bool:
        try:
            return httpx.get(f"{self.base}/health/live", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def kill(self) -> None:
        """SIGKILL to every process of the server at once (its process group), then reap."""
        if self.process is None:
            return
        pgid = self.process.pid
        with suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        self.process.wait(timeout=STOP_SECONDS)
        deadline = time.monotonic() + STOP_SECONDS
        while group_members(pgid) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not group_members(pgid), f"server processes outlived SIGKILL: {group_members(pgid)}"

    def stop(self) -> None:
        """SIGTERM, a graceful shutdown; SIGKILL for whatever is left."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=STOP_SECONDS)
        self.kill()

    def logs(self, last: int = 60) -> str:
        texts = []
        for start in range(1, self.starts + 1):
            path = self.workdir / f"server-{self.port}-{start}.log"
            if path.exists():
                lines = path.read_text(errors="replace").splitlines()
                texts.append(f"--- start {start} ---\n" + "\n".join(lines[-last:]))
        return "\n".join(texts)


@contextmanager
def serving(url: str, workdir: Path, workers: int) -> Iterator[Server]:
    server = Server(url, workdir, workers)
    server.start()
    try:
        server.wait_until_serving()
        yield server
    finally:
        server.stop()


def assert_no_tracebacks(server: Server) -> None:
    logs = server.logs(last=10_000)
    assert "Traceback" not in logs, logs
    assert " 500 " not in logs, logs


# --- clients --------------------------------------------------------------------------------


KEEPALIVE_SECONDS = 2.0
"""Well under the server's keep-alive (uvicorn closes an idle connection after 5 s): a client
that reused a connection idle for longer could send on it just as the server closes it, and
see "server disconnected" on a loaded machine."""


def client(base: str, timeout: float = 30) -> httpx.AsyncClient:
    """One client, one connection: a separate buyer."""
    return httpx.AsyncClient(
        base_url=base,
        timeout=timeout,
        limits=httpx.Limits(
            max_connections=1, max_keepalive_connections=1, keepalive_expiry=KEEPALIVE_SECONDS
        ),
    )


async def log_in(http: httpx.AsyncClient, email: str) -> dict[str, str]:
    response = await http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def gather_bounded(coroutines: Sequence[Any], limit: int) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def bounded(coroutine: Any) -> Any:
        async with gate:
            return await coroutine

    return await asyncio.gather(*(bounded(c) for c in coroutines))


def is_problem(response: httpx.Response, slug: str) -> bool:
    if not response.headers.get("content-type", "").startswith(PROBLEM_JSON):
        return False
    body = response.json()
    return isinstance(body, dict) and body.get("type") == f"/problems/{slug}"


# --- what the database holds ------------------------------------------------------------------


@dataclass(frozen=True)
class Ledger:
    """Orders, their lines and keys, and the stock, read straight from the tables."""

    stock: dict[int, int]
    sold: dict[int, int]
    order_users: dict[UUID, UUID]
    order_totals: dict[UUID, int]
    line_totals: dict[UUID, int]
    line_counts: dict[UUID, int]
    keys: dict[tuple[UUID, str], UUID]
    emails: dict[UUID, str]


def read_ledger(url: str) -> Ledger:
    engine = create_engine(psycopg_url(url) if url.startswith("postgresql") else url)
    try:
        with engine.connect() as conn:
            stock = dict(conn.execute(select(books.c.id, books.c.stock)).all())
            sold = dict(
                conn.execute(
                    select(order_lines.c.book_id, func.sum(order_lines.c.quantity)).group_by(
                        order_lines.c.book_id
                    )
                ).all()
            )
            order_rows = conn.execute(
                select(orders.c.id, orders.c.user_id, orders.c.total_cents)
            ).all()
            line_rows = conn.execute(
                select(
                    order_lines.c.order_id,
                    func.count(),
                    func.sum(order_lines.c.unit_price_cents * order_lines.c.quantity),
                ).group_by(order_lines.c.order_id)
            ).all()
            key_rows = conn.execute(
                select(
                    idempotency_keys.c.user_id, idempotency_keys.c.key, idempotency_keys.c.order_id
                )
            ).all()
            email_rows = conn.execute(select(users.c.id, users.c.email)).all()
    finally:
        engine.dispose()
    return Ledger(
        stock=stock,
        sold={book: int(quantity) for book, quantity in sold.items()},
        order_users={row.id: row.user_id for row in order_rows},
        order_totals={row.id: row.total_cents for row in order_rows},
        line_totals={row[0]: int(row[2]) for row in line_rows},
        line_counts={row[0]: int(row[1]) for row in line_rows},
        keys={(row.user_id, row.key): row.order_id for row in key_rows},
        emails=dict(email_rows),
    )


def assert_orders_consistent(ledger: Ledger, initial_stock: dict[int, int]) -> None:
    """Every order has lines summing to its total; stock + sold = initial for every book."""
    without_lines = [o for o in ledger.order_totals if ledger.line_counts.get(o, 0) < 1]
    assert without_lines == [], f"orders without lines: {without_lines}"
    wrong_totals = {
        o: (total, ledger.line_totals[o])
        for o, total in ledger.order_totals.items()
        if total != ledger.line_totals[o]
    }
    assert wrong_totals == {}, f"order total != sum of its lines: {wrong_totals}"
    orphan_lines = set(ledger.line_counts) - set(ledger.order_totals)
    assert orphan_lines == set(), f"lines of no order: {orphan_lines}"
    for book, initial in initial_stock.items():
        stock, sold = ledger.stock[book], ledger.sold.get(book, 0)
        assert stock >= 0
        assert stock + sold == initial, f"book {book}: stock {stock} + sold {sold} != {initial}"
