"""Several instances behind nginx on one PostgreSQL and one Redis (contract §17), through the
shipped `deploy/nginx/bookstore.conf` (only its ports changed).

One cluster for the module: nginx on loopback in front of two `bookstore serve --workers 2`
instances (no embedded worker) and one `bookstore worker`, on a fresh PostgreSQL database and
a Redis namespace of their own, and a webhook receiver on loopback (events_support). Through
the proxy: order storms with exact stock, a log-out in one instance refused in the other, rate
limits that hold across the instances at exactly their number, webhooks delivered once each,
signed, an instance stopped with SIGTERM and another killed mid-storm with nothing
acknowledged lost; then the worker stops cleanly.

Buyers send every request again on a connection error or a 502/503 (the proxy could not hand
it over), with the same `Idempotency-Key` for an order: a retried order is replayed if it was
placed. Needs nginx (Debian's package); skipped without it, except under CI=true.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import httpx
import psycopg
import pytest
import redis
from events_support import Receiver, receiving
from postgres_support import postgres_server_url, psycopg_url
from resilience_support import (
    PASSWORD,
    SeededStore,
    Server,
    assert_orders_consistent,
    free_port,
    is_problem,
    library,
    postgres_database,
    read_ledger,
    seed,
)
from sqlalchemy.engine import make_url

from bookstore.adapters.sql import upgrade_database
from bookstore.application.use_cases import CreateAdminCommand
from bookstore.application.use_cases.adjust_stock import AdjustStockCommand
from bookstore.domain.user import Actor
from bookstore.entrypoints.cli.runtime import OPERATOR

sys.path.insert(0, str(Path(__file__).parents[3] / "deploy" / "nginx"))
import local_proxy

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
T = TypeVar("T")

METRICS_TOKEN = secrets.token_hex(32)
POOL_SIZE, MAX_OVERFLOW = 2, 2
REGISTRATIONS_PER_HOUR, LOGIN_FAILURES_PER_MINUTE = 50, 10
SCARCE, PLENTY = 20, 10_000
"""Stock of the two books: buyers ask for more copies of the first than there are."""
BUYERS, ORDERS_EACH = 8, 6
STORM_SECONDS = 60
RETRY_PAUSE = 0.05
RETRY_STATUSES = (502, 503, 504)
STOP_SECONDS = 40  # an instance finishes its requests in flight within 30 s
HOOKED_ORDERS = 4
DELIVERY_SECONDS = 30
"""The worker polls every half second; the receiver's first 500 is retried about 2 s later."""


# --- nginx ------------------------------------------------------------------------------------


def nginx_binary() -> str:
    found = local_proxy.nginx_binary()
    if found:
        return found
    reason = "nginx is not installed (Debian: apt-get install nginx), so no proxy to test through"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: .ci/run installs it)", pytrace=False)
    pytest.skip(reason)


def nginx(workdir: Path, upstreams: list[int]) -> AbstractContextManager[str]:
    """The shipped configuration run by nginx on loopback (`deploy/nginx/local_proxy.py`)."""
    return local_proxy.running_proxy(nginx_binary(), workdir, upstreams, free_port())


# --- the cluster ------------------------------------------------------------------------------


@dataclass
class Instance(Server):
    """A `bookstore serve` instance of the cluster: its settings on top of `Server`'s."""

    settings: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        return super().env() | self.settings

    def terminate(self) -> int:
        """SIGTERM to the instance's process group, as an orchestrator stops it; its exit."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGTERM)
        return self.process.wait(timeout=STOP_SECONDS)


@dataclass
class Cluster:
    store: SeededStore
    proxy: str
    instances: list[Instance]
    worker: subprocess.Popen[bytes]
    worker_log: Path
    receiver: Receiver
    """Answers its first request with a 500, then 200s; verifies each signature."""

    @property
    def scarce(self) -> int:
        return self.store.book_ids[0]


def redis_url() -> str:
    url = os.environ.get("BOOKSTORE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    connection = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {url} is required under CI=true: {error}")
        pytest.skip(f"Redis at {url} is unreachable ({error}); set BOOKSTORE_TEST_REDIS_URL")
    finally:
        connection.close()
    return url


def cluster_settings(redis: str, namespace: str) -> dict[str, str]:
    return {
        "BOOKSTORE_RATE_LIMITS": "on",
        "BOOKSTORE_REDIS_URL": redis,
        "BOOKSTORE_REDIS_NAMESPACE": namespace,
        "BOOKSTORE_TRUSTED_PROXIES": "127.0.0.1",
        "BOOKSTORE_EMBEDDED_WORKER": "false",
        "BOOKSTORE_METRICS_TOKEN": METRICS_TOKEN,
        "BOOKSTORE_DB_POOL_SIZE": str(POOL_SIZE),
        "BOOKSTORE_DB_MAX_OVERFLOW": str(MAX_OVERFLOW),
        "BOOKSTORE_REGISTRATIONS_PER_HOUR": str(REGISTRATIONS_PER_HOUR),
        "BOOKSTORE_LOGIN_FAILURES_PER_MINUTE": str(LOGIN_FAILURES_PER_MINUTE),
        "BOOKSTORE_WEBHOOK_ALLOW_PRIVATE": "true",  # production, and the receiver is on loopback
    }


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    nginx_binary()
    redis, namespace = redis_url(), f"bookstore-scale-{uuid.uuid4().hex}"
    workdir = tmp_path_factory.mktemp("scale-out")
    with ExitStack() as stack:
        url = stack.enter_context(postgres_database(postgres_server_url()))
        upgrade_database(url)
        store = seed(url, [SCARCE, PLENTY], customers=BUYERS + 3)
        settings = cluster_settings(redis, namespace)
        instances = [Instance(url, workdir, 2, settings=settings) for _ in range(2)]
        for instance in instances:
            instance.start()
            stack.callback(instance.stop)
        receiver = stack.enter_context(receiving(Receiver(failures=1)))
        worker_log = workdir / "worker.log"
        with worker_log.open("wb") as output:
            worker = subprocess.Popen(
                [sys.executable, "-m", "bookstore.entrypoints.cli", "worker"],
                cwd=workdir,
                env=instances[0].env(),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        stack.callback(_kill_group, worker)
        for instance in instances:
            instance.wait_until_serving()
        proxy = stack.enter_context(nginx(workdir, [i.port for i in instances]))
        stack.callback(_forget_namespace, redis, namespace)
        yield Cluster(store, proxy, instances, worker, worker_log, receiver)
        for instance in instances:
            logs = instance.logs(last=10_000)
            assert "Traceback" not in logs, logs


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _forget_namespace(url: str, namespace: str) -> None:
    connection = redis.Redis.from_url(url)
    try:
        for key in connection.scan_iter(match=f"{namespace}*"):
            connection.delete(key)
    finally:
        connection.close()


# --- buyers -----------------------------------------------------------------------------------


@dataclass
class Storm:
    acknowledged: dict[str, UUID] = field(default_factory=dict)
    """Idempotency key → the order a 201 named."""
    refused: Counter[int] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)


async def send(
    storm: Storm, http: httpx.AsyncClient, method: str, path: str, **kwargs: object
) -> httpx.Response:
    """The request, sent again (unchanged) until it gets an answer that is not "could not
    be handed over" (connection error, 502-504) or "still in flight" (a retried order whose
    first attempt still runs)."""
    deadline = time.monotonic() + STORM_SECONDS
    while True:
        try:
            response = await http.request(method, path, **kwargs)  # type: ignore[arg-type]
        except httpx.TransportError as error:
            storm.retries[type(error).__name__] += 1
        else:
            if response.status_code in RETRY_STATUSES:
                storm.retries[str(response.status_code)] += 1
            elif is_problem(response, "idempotency-in-flight"):
                storm.retries["in-flight"] += 1
            else:
                return response
        assert time.monotonic() < deadline, f"{method} {path}: no answer in {STORM_SECONDS} s"
        await asyncio.sleep(RETRY_PAUSE)


async def buyer(
    storm: Storm, http: httpx.AsyncClient, email: str, books: list[int], tag: str
) -> None:
    credentials = {"email": email, "password": PASSWORD}
    tokens = await send(storm, http, "POST", "/api/auth/login", json=credentials)
    assert tokens.status_code == 200, tokens.text
    headers = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
    for n in range(ORDERS_EACH):
        book = books[n % len(books)]
        path = f"/api/cart/items/{book}"
        line = await send(storm, http, "PUT", path, json={"quantity": 1}, headers=headers)
        if line.status_code == 409:  # sold out: the cart stays empty
            storm.refused[409] += 1
            continue
        assert line.status_code == 200, line.text
        key = f"{tag}-{email}-{n}"
        keyed = headers | {"Idempotency-Key": key}
        response = await send(storm, http, "POST", "/api/orders", headers=keyed)
        if response.status_code == 201:
            storm.acknowledged[key] = UUID(response.json()["id"])
            continue
        assert is_problem(response, "insufficient-stock"), response.text
        storm.refused[response.status_code] += 1
        cleared = await send(storm, http, "DELETE", "/api/cart", headers=headers)
        assert cleared.status_code == 204, cleared.text


def storm_doing(cluster: Cluster, tag: str, midway_action: Callable[[], object]) -> Storm:
    """A storm through the proxy, with `midway_action` run on a thread of its own once
    `BUYERS` orders were acknowledged."""
    midway = threading.Event()

    def act_midway() -> None:
        if midway.wait(STORM_SECONDS):
            midway_action()

    actor = threading.Thread(target=act_midway)
    actor.start()
    try:
        return asyncio.run(storm_through(cluster, tag, (BUYERS, midway)))
    finally:
        midway.set()
        actor.join()


async def storm_through(
    cluster: Cluster, tag: str, when: tuple[int, threading.Event] | None
) -> Storm:
    """Every buyer at once through the proxy, each on a connection of its own; `when` =
    (n, event): the event is set once n orders were acknowledged (for whoever must act
    mid-storm)."""
    storm = Storm()
    books = [cluster.scarce, cluster.store.book_ids[1]]

    async def signal_when() -> None:
        if when is None:
            return
        count, event = when
        while len(storm.acknowledged) < count:
            await asyncio.sleep(0.005)
        event.set()

    limits = httpx.Limits(max_connections=BUYERS, max_keepalive_connections=BUYERS)
    async with httpx.AsyncClient(
        base_url=cluster.proxy, timeout=STOP_SECONDS, limits=limits
    ) as http:
        buyers = [
            buyer(storm, http, email, books[n % 2 :] + books[: n % 2], tag)
            for n, email in enumerate(cluster.store.emails[:BUYERS])
        ]
        await asyncio.wait_for(asyncio.gather(signal_when(), *buyers), STORM_SECONDS)
    return storm


def audit(cluster: Cluster, storm: Storm) -> None:
    """Every acknowledged order is in the database, each key placed one order at most, and
    every book's stock plus its copies sold is what it started with."""
    ledger = read_ledger(cluster.store.url)
    assert_orders_consistent(ledger, cluster.store.initial_stock)
    recorded = {key: order for (_, key), order in ledger.keys.items()}
    for key, order in storm.acknowledged.items():
        assert recorded.get(key) == order, f"acknowledged order {order} ({key}) is not recorded"
    assert len(set(recorded.values())) == len(recorded), "one order under several keys"
    with library(cluster.store.url) as store:
        assert store.reconcile_inventory()(OPERATOR).balanced  # stock = sum of its movements


# --- the tests, in order ------------------------------------------------------------------------


def test_an_order_storm_through_the_proxy_takes_exact_stock(cluster: Cluster) -> None:
    before = [orders_placed(instance) for instance in cluster.instances]
    with watching_connections(cluster.store.url) as most:
        storm = asyncio.run(storm_through(cluster, "first", None))

    audit(cluster, storm)
    ledger = read_ledger(cluster.store.url)
    assert (ledger.stock[cluster.scarce], ledger.sold[cluster.scarce]) == (0, SCARCE)
    assert storm.refused  # the scarce book ran out during the storm
    after = [orders_placed(instance) for instance in cluster.instances]
    # each instance adds up its two processes' counts (prometheus_client's multiprocess mode)
    assert sum(after) - sum(before) == len(storm.acknowledged)
    assert all(a > b for a, b in zip(after, before, strict=True)), "the proxy used one instance"
    assert 0 < max(most.values()) <= POOL_SIZE + MAX_OVERFLOW, most


def test_a_log_out_in_one_instance_is_refused_in_the_other(cluster: Cluster) -> None:
    one, other = (instance.base for instance in cluster.instances)
    email = cluster.store.emails[BUYERS]
    tokens = httpx.post(f"{one}/api/auth/login", json={"email": email, "password": PASSWORD})
    bearer = {"Authorization": f"Bearer {tokens.json()['access_token']}"}

    seen = httpx.get(f"{other}/api/users/me", headers=bearer)
    logged_out = httpx.post(f"{one}/api/auth/logout", headers=bearer, json={})
    refused = httpx.get(f"{other}/api/users/me", headers=bearer)
    through_proxy = httpx.get(f"{cluster.proxy}/api/users/me", headers=bearer)

    assert (seen.status_code, logged_out.status_code) == (200, 204), logged_out.text
    assert (refused.status_code, through_proxy.status_code) == (401, 401)


def test_rate_limits_hold_across_the_instances_at_exactly_their_number(cluster: Cluster) -> None:
    victim = cluster.store.emails[BUYERS + 1]

    async def at_once(count: int, path: str, body: dict[str, str] | None) -> Counter[int]:
        """`count` requests on as many connections, all sent before any answer comes."""
        limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
        async with httpx.AsyncClient(base_url=cluster.proxy, timeout=30, limits=limits) as http:
            bodies = [body or {"email": f"new-{n}-{uuid.uuid4().hex[:8]}@example.com",
                               "password": PASSWORD} for n in range(count)]  # fmt: skip
            sent = [http.post(path, json=b) for b in bodies]
            return Counter(r.status_code for r in await asyncio.gather(*sent))

    registrations = asyncio.run(at_once(60, "/api/auth/register", None))
    wrong = {"email": victim, "password": "not the password"}
    guesses = asyncio.run(at_once(20, "/api/auth/login", wrong))

    assert registrations == {201: REGISTRATIONS_PER_HOUR, 429: 60 - REGISTRATIONS_PER_HOUR}
    assert guesses == {401: LOGIN_FAILURES_PER_MINUTE, 429: 20 - LOGIN_FAILURES_PER_MINUTE}


def test_webhooks_of_orders_through_the_proxy_are_delivered_once_each_signed(
    cluster: Cluster,
) -> None:
    receiver, plenty = cluster.receiver, cluster.store.book_ids[1]
    with httpx.Client(base_url=cluster.proxy, timeout=STOP_SECONDS) as http:
        admin = {"Authorization": f"Bearer {admin_token(cluster, http)}"}
        created = http.post(
            "/api/admin/webhooks",
            json={"url": receiver.url, "events": ["order.placed"]},
            headers=admin,
        )
        assert created.status_code == 201, created.text
        hook, receiver.secret = created.json()["id"], created.json()["secret"]
        before = [orders_placed(instance) for instance in cluster.instances]
        customer = cluster.store.emails[BUYERS + 2]  # one the other tests leave alone
        placed = place_orders(http, customer, plenty, HOOKED_ORDERS)
        after = [orders_placed(instance) for instance in cluster.instances]

        wait_until(
            lambda: set(placed) <= {event["data"]["id"] for event in accepted(receiver)},
            lambda: f"the receiver answered {receiver.answered}",
        )
        deliveries = wait_until(
            lambda: settled(http, f"/api/admin/webhooks/{hook}", admin),
            lambda: "the deliveries are still pending or failed",
        )
        removed = http.delete(f"/api/admin/webhooks/{hook}", headers=admin)  # leaner storms
    assert removed.status_code == 204, removed.text

    assert all(a > b for a, b in zip(after, before, strict=True)), "the proxy used one instance"
    events = accepted(receiver)
    counts = Counter(event["id"] for event in events)
    assert set(counts.values()) == {1}, counts  # each event accepted once
    assert receiver.bad_signatures == 0
    assert {e["type"] for e in events} == {"order.placed"}
    # each event's data is the order as GET /api/orders/{id} showed it right after it was placed
    assert {event["data"]["id"]: event["data"] for event in events} == placed
    first = receiver.tried[0]
    assert receiver.answered[0] == 500
    assert receiver.tried.count(first) == 2  # the delivery that failed came again, same id
    assert {d["event_id"]: d["status"] for d in deliveries} == dict.fromkeys(counts, "succeeded")
    assert {d["event_id"]: d["attempts"] for d in deliveries if d["attempts"] > 1} == {first: 2}


def test_sigterm_to_an_instance_mid_storm_loses_nothing_and_it_exits_0(cluster: Cluster) -> None:
    leaving = cluster.instances[0]
    restock(cluster)
    exit_code: list[int] = []

    storm = storm_doing(cluster, "sigterm", lambda: exit_code.append(leaving.terminate()))

    assert exit_code == [0], leaving.logs()
    assert "Application shutdown complete" in leaving.logs()
    audit(cluster, storm)
    leaving.start()  # back for the next test
    leaving.wait_until_serving()


def test_an_instance_killed_mid_storm_loses_nothing_acknowledged(cluster: Cluster) -> None:
    killed = cluster.instances[1]
    restock(cluster)

    storm = storm_doing(cluster, "sigkill", killed.kill)

    assert killed.process is not None
    assert killed.process.returncode != 0
    audit(cluster, storm)
    assert len(storm.acknowledged) > BUYERS  # the proxy carried on with the other instance


def test_the_worker_stops_cleanly_on_sigterm(cluster: Cluster) -> None:
    os.killpg(cluster.worker.pid, signal.SIGTERM)

    assert cluster.worker.wait(timeout=STOP_SECONDS) == 0, cluster.worker_log.read_text()
    assert "Worker stopped." in cluster.worker_log.read_text()


# --- what the cluster shows -------------------------------------------------------------------


def orders_placed(instance: Instance) -> float:
    """`bookstore_orders_placed_total` as the instance reports it (every process of it)."""
    response = httpx.get(
        f"{instance.base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    assert response.status_code == 200, response.text
    match = re.search(r"^bookstore_orders_placed_total (\S+)$", response.text, flags=re.M)
    return float(match.group(1)) if match else 0.0


def admin_token(cluster: Cluster, http: httpx.Client) -> str:
    """A new admin (a library call), logged in through the proxy."""
    email = f"hooks-{uuid.uuid4().hex}@x.org"
    with library(cluster.store.url) as store:
        store.create_admin()(CreateAdminCommand(email, PASSWORD))
    tokens = http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert tokens.status_code == 200, tokens.text
    token: str = tokens.json()["access_token"]
    return token


def place_orders(http: httpx.Client, email: str, book: int, count: int) -> dict[str, object]:
    """`count` orders of one copy of `book`, one after the other: order id → the order as GET
    /api/orders/{id} shows it then. Three requests an order, so that nginx's round robin hands
    the orders to the instances in turn."""
    tokens = http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert tokens.status_code == 200, tokens.text
    bearer = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
    placed: dict[str, object] = {}
    for _ in range(count):
        line = http.put(f"/api/cart/items/{book}", json={"quantity": 1}, headers=bearer)
        assert line.status_code == 200, line.text
        keyed = bearer | {"Idempotency-Key": uuid.uuid4().hex}
        order = http.post("/api/orders", headers=keyed)
        assert order.status_code == 201, order.text
        shown = http.get(f"/api/orders/{order.json()['id']}", headers=bearer)
        assert shown.status_code == 200, shown.text
        placed[shown.json()["id"]] = shown.json()
    return placed


def accepted(receiver: Receiver) -> list[dict[str, Any]]:
    """The events the receiver answered with a 2xx, so far."""
    with receiver.lock:
        return list(receiver.received)


def settled(http: httpx.Client, hook: str, admin: dict[str, str]) -> list[dict[str, Any]] | None:
    """The endpoint's deliveries once none is pending or failed (to be tried again)."""
    response = http.get(f"{hook}/deliveries", params={"page_size": 100}, headers=admin)
    assert response.status_code == 200, response.text
    deliveries: list[dict[str, Any]] = response.json()["items"]
    return None if any(d["status"] in ("pending", "failed") for d in deliveries) else deliveries


def wait_until(condition: Callable[[], T | None], why_not: Callable[[], str]) -> T:
    """`condition()` once it is neither None nor False, asked every 50 ms for up to
    DELIVERY_SECONDS; else a failure that says `why_not()`."""
    deadline = time.monotonic() + DELIVERY_SECONDS
    while not (result := condition()):
        assert time.monotonic() < deadline, f"after {DELIVERY_SECONDS} s, {why_not()}"
        time.sleep(0.05)
    return result


def restock(cluster: Cluster) -> None:
    """The scarce book back to its first stock, as an admin adjusts it (a library call)."""
    ledger = read_ledger(cluster.store.url)
    delta = SCARCE - ledger.stock[cluster.scarce]
    if delta == 0:
        return
    with library(cluster.store.url) as store:
        admin = store.create_admin()(
            CreateAdminCommand(f"restock-{uuid.uuid4().hex}@x.org", PASSWORD)
        )
        actor = Actor(admin.id, admin.role)
        store.adjust_stock()(AdjustStockCommand(actor, cluster.scarce, delta, "restock"))
    cluster.store.initial_stock[cluster.scarce] += delta


@contextmanager
def watching_connections(url: str) -> Iterator[dict[str, int]]:
    """The most connections each server process (named `bookstore <pid>`) held at once."""
    most: dict[str, int] = {}
    done = threading.Event()

    def watch() -> None:
        with psycopg.connect(_driver_url(url), autocommit=True) as conn:
            while not done.is_set():
                rows = conn.execute(
                    "SELECT application_name, count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND application_name LIKE 'bookstore %%' "
                    "GROUP BY application_name"
                ).fetchall()
                for name, count in rows:
                    most[name] = max(most.get(name, 0), count)
                done.wait(0.005)  # a sample every few milliseconds, not a core of its own

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        yield most
    finally:
        done.set()
        watcher.join()


def _driver_url(url: str) -> str:
    return make_url(psycopg_url(url)).set(drivername="postgresql").render_as_string(False)
