"""kill -9 of every server process in the middle of an order storm, then a restart.

Twenty buyers place ten keyed orders each (`PUT` the cart line, then `POST /api/orders` with
an `Idempotency-Key`), retrying every request on a connection error with the same key. Once a
random number of orders has been acknowledged, the whole server (supervisor and workers, one
process group) gets SIGKILL; it is restarted on the same port and the buyers carry on.

Afterwards, both in the state the crash left and at the end: the database is intact, every
order has lines summing to its total, stock + sold = initial for every book, every 201 a
buyer received is in the database, and each key placed at most one order.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from resilience_support import (
    PASSWORD,
    Ledger,
    Server,
    assert_orders_consistent,
    client,
    gather_bounded,
    is_problem,
    read_ledger,
    seed,
)
from sqlalchemy.engine import make_url

from bookstore.adapters.sql import upgrade_database

pytestmark = pytest.mark.slow

BUYERS = 20
ORDERS_EACH = 10
STOCKS = [10_000, 10_000, 12]
"""The last book runs out during the storm, so refusals are part of it too."""
WORKERS = 2
STORM_SECONDS = 45
RETRY_PAUSE = 0.05
RETRYABLE_PROBLEMS = ("service-unavailable", "idempotency-in-flight")


@dataclass
class Answer:
    status: int
    order_id: UUID | None = None
    replayed: bool = False
    before_kill: bool = False
    problem: str = ""


@dataclass
class Storm:
    rng: random.Random
    kill_after: int
    killed: bool = False
    retries: Counter[str] = field(default_factory=Counter)
    answers: dict[tuple[str, str], list[Answer]] = field(default_factory=dict)
    """(email, key) → every final answer to POST /api/orders with that key."""
    skipped: Counter[int] = field(default_factory=Counter)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    resubmitted: list[tuple[UUID, Answer]] = field(default_factory=list)
    """(order acknowledged before the kill, the answer to its key sent again after it)."""
    acknowledged_before_kill: set[UUID] = field(default_factory=set)
    crash_ledger: Ledger | None = None
    crash_integrity: str = ""

    @property
    def acknowledged(self) -> set[UUID]:
        return {a.order_id for answers in self.answers.values() for a in answers if a.order_id}


async def send(
    storm: Storm, http: httpx.AsyncClient, method: str, path: str, **kwargs: object
) -> httpx.Response:
    """The request, again and again (same method, path, headers and body) until the server
    gives an answer that is not 'unavailable' or 'still in flight'."""
    deadline = time.monotonic() + STORM_SECONDS
    while True:
        try:
            response = await http.request(method, path, **kwargs)  # type: ignore[arg-type]
        except httpx.TransportError as error:
            storm.retries[type(error).__name__] += 1
        else:
            retry = next((p for p in RETRYABLE_PROBLEMS if is_problem(response, p)), None)
            if retry is None:
                return response
            storm.retries[retry] += 1
        assert time.monotonic() < deadline, f"{method} {path}: no answer in {STORM_SECONDS} s"
        await asyncio.sleep(RETRY_PAUSE)


def answer_of(response: httpx.Response, killed: bool) -> Answer:
    body = response.json() if "json" in response.headers.get("content-type", "") else {}
    if response.status_code == 201:
        replayed = response.headers.get("Idempotent-Replayed") == "true"
        return Answer(201, UUID(body["id"]), replayed, before_kill=not killed)
    return Answer(response.status_code, problem=str(body.get("type", response.text)))


async def buyer(storm: Storm, http: httpx.AsyncClient, email: str, book_ids: list[int]) -> None:
    credentials = {"email": email, "password": PASSWORD}
    tokens = await send(storm, http, "POST", "/api/auth/login", json=credentials)
    assert tokens.status_code == 200, tokens.text
    headers = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
    storm.headers[email] = headers
    plan = [(storm.rng.choice(book_ids), storm.rng.randint(1, 3)) for _ in range(ORDERS_EACH)]
    for n, (book_id, quantity) in enumerate(plan):
        line = await send(
            storm,
            http,
            "PUT",
            f"/api/cart/items/{book_id}",
            json={"quantity": quantity},
            headers=headers,
        )
        if line.status_code == 409:  # more than in stock: the cart is unchanged (empty)
            storm.skipped[book_id] += 1
            continue
        assert line.status_code == 200, line.text
        key = f"{email}-order-{n}"
        response = await send(
            storm, http, "POST", "/api/orders", headers=headers | {"Idempotency-Key": key}
        )
        storm.answers.setdefault((email, key), []).append(answer_of(response, storm.killed))
        if response.status_code != 201:
            cleared = await send(storm, http, "DELETE", "/api/cart", headers=headers)
            assert cleared.status_code == 204, cleared.text


async def killer(storm: Storm, server: Server) -> None:
    """SIGKILL the whole server once `kill_after` orders were acknowledged; restart it."""
    while len(storm.acknowledged) < storm.kill_after:
        await asyncio.sleep(0.005)
    await asyncio.sleep(storm.rng.uniform(0, 0.05))
    # no await from here to the kill: what the buyers hold now is what they got before it
    storm.acknowledged_before_kill = set(storm.acknowledged)
    storm.killed = True
    server.kill()
    crashed = snapshot(server.url, server.workdir / "crashed.db")
    storm.crash_ledger = read_ledger(crashed)
    storm.crash_integrity = integrity(crashed)
    await asyncio.to_thread(restart, server)


async def resubmit(storm: Storm, http: httpx.AsyncClient, email: str) -> None:
    """A double submit after the restart: the key of this buyer's first order acknowledged
    before the kill, sent again, must answer that same order."""
    first = next(
        (
            (key, answer.order_id)
            for (owner, key), answers in storm.answers.items()
            for answer in answers
            if owner == email and answer.before_kill and answer.order_id
        ),
        None,
    )
    if first is None:
        return
    key, order_id = first
    headers = storm.headers[email] | {"Idempotency-Key": key}
    response = await send(storm, http, "POST", "/api/orders", headers=headers)
    answer = answer_of(response, killed=True)
    storm.answers[(email, key)].append(answer)
    storm.resubmitted.append((order_id, answer))


def snapshot(url: str, copy: Path) -> str:
    """A SQLite database as the crash left it: a copy of the file and its write-ahead log,
    to look at without touching the original (closing the last connection to a database
    checkpoints its WAL, and the restarted server must recover from the crash itself).
    Other databases are looked at in place."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return url
    wal = Path(f"{parsed.database}-wal")
    assert wal.exists(), "no write-ahead log after the crash: is the database in WAL mode?"
    shutil.copyfile(str(parsed.database), copy)
    shutil.copyfile(wal, f"{copy}-wal")
    return f"sqlite:///{copy}"


def restart(server: Server) -> None:
    server.start()
    server.wait_until_serving()


async def run_storm(storm: Storm, server: Server, emails: list[str], book_ids: list[int]) -> None:
    clients = [client(server.base, timeout=10) for _ in emails]
    try:
        kill = asyncio.create_task(killer(storm, server))
        buyers = [
            buyer(storm, http, email, book_ids) for http, email in zip(clients, emails, strict=True)
        ]
        await asyncio.wait_for(gather_bounded(buyers, len(buyers)), STORM_SECONDS)
        await asyncio.wait_for(kill, STORM_SECONDS)
        pairs = zip(clients, emails, strict=True)
        await asyncio.gather(*(resubmit(storm, http, email) for http, email in pairs))
    finally:
        kill.cancel()
        await asyncio.gather(*(http.aclose() for http in clients))


def integrity(url: str) -> str:
    """`PRAGMA integrity_check` on SQLite ("ok" when intact); "" on other databases."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return ""
    connection = sqlite3.connect(str(parsed.database))
    try:
        rows = connection.execute("PRAGMA integrity_check").fetchall()
        problems = connection.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        connection.close()
    return "\n".join(str(row[0]) for row in rows) + "".join(f"\nFK: {p}" for p in problems)


def assert_keys_placed_at_most_once(storm: Storm, ledger: Ledger, emails: list[str]) -> None:
    user_of = {email: user for user, email in ledger.emails.items()}
    for (email, key), answers in storm.answers.items():
        placed = {a.order_id for a in answers if a.order_id}
        recorded = ledger.keys.get((user_of[email], key))
        assert len(placed) <= 1, f"key {key} answered several orders: {placed}"
        assert placed == ({recorded} if recorded else set()), (
            f"key {key}: the client got {placed}, the database records {recorded}"
        )
    keyed_orders = list(ledger.keys.values())
    assert len(keyed_orders) == len(set(keyed_orders)), "one order under several keys"
    assert set(keyed_orders) == set(ledger.order_totals), "orders placed without their key"
    for (user, _), order in ledger.keys.items():
        assert ledger.order_users[order] == user, f"order {order} recorded under another user"
    assert {ledger.emails[u] for u, _ in ledger.keys} <= set(emails)


def test_kill_9_mid_storm_loses_no_acknowledged_order_and_places_none_twice(
    database_url: str, tmp_path: Path
) -> None:
    seed_value = int(os.environ.get("RESILIENCE_SEED") or random.randrange(2**32))
    print(f"RESILIENCE_SEED={seed_value}")  # shown on failure: rerun with it
    rng = random.Random(seed_value)
    storm = Storm(rng, kill_after=rng.randint(10, BUYERS * ORDERS_EACH // 3))
    upgrade_database(database_url)
    store = seed(database_url, STOCKS, BUYERS)

    server = Server(database_url, tmp_path, WORKERS)
    server.start()
    try:
        server.wait_until_serving()
        asyncio.run(run_storm(storm, server, store.emails, store.book_ids))
    finally:
        server.stop()
    replays = sum(a.replayed for answers in storm.answers.values() for a in answers)
    print(
        f"killed after {storm.kill_after} orders; retries {dict(storm.retries)}; {replays} replays"
    )

    # the storm straddled the kill, and the buyers noticed it
    assert storm.killed
    assert server.starts == 2
    assert storm.acknowledged_before_kill
    assert any(not a.before_kill for answers in storm.answers.values() for a in answers)
    assert sum(storm.retries.values()) > 0
    answers = [a for answers in storm.answers.values() for a in answers]
    statuses = Counter((a.status, a.problem) for a in answers)
    assert set(statuses) <= {(201, ""), (409, "/problems/insufficient-stock")}, statuses

    # keys acknowledged before the kill still answer their order after the restart
    assert storm.resubmitted
    for order_id, answer in storm.resubmitted:
        assert (answer.status, answer.order_id, answer.replayed) == (201, order_id, True)

    # the state the crash left
    assert storm.crash_ledger is not None
    assert storm.crash_integrity in ("", "ok"), storm.crash_integrity
    assert_orders_consistent(storm.crash_ledger, store.initial_stock)
    lost = storm.acknowledged_before_kill - set(storm.crash_ledger.order_totals)
    assert lost == set(), f"acknowledged before the kill, gone after it: {lost}"

    # the end state, once every buyer got an answer for every order
    ledger = read_ledger(database_url)
    assert integrity(database_url) in ("", "ok")
    assert_orders_consistent(ledger, store.initial_stock)
    assert storm.acknowledged <= set(ledger.order_totals)
    assert_keys_placed_at_most_once(storm, ledger, store.emails)
    assert "Traceback" not in server.logs(last=100_000)
