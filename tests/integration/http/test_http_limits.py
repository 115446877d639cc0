"""Abuse limits: failed log-ins per client address and per account, registrations per client
address, orders per user; 429 problems with `Retry-After` and `RateLimit-*`; `X-Forwarded-For`
believed from trusted proxies only; `rate_limits=off` lifts everything."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
import redis
from http_support import PASSWORD, Api, AppFactory, Session, assert_problem, new_email

import bookstore.entrypoints.http.counters as counters
import bookstore.entrypoints.http.limits as limits
from bookstore.adapters.hashing import FastHasher

WRONG = "not the password"


@pytest.fixture
def database_url() -> str:
    """The limits live in the HTTP layer and its store, whatever the database: in memory only."""
    return "memory://"


def assert_rate_limited(response: Any, limit: int, window: int) -> dict[str, Any]:
    body = assert_problem(response, 429, "rate-limited")
    headers = response.headers
    assert 0 < int(headers["retry-after"]) <= window
    assert headers["ratelimit-limit"] == str(limit)
    assert headers["ratelimit-remaining"] == "0"
    assert headers["ratelimit-policy"] == f"{limit}; w={window}"
    assert 0 < int(headers["ratelimit-reset"]) <= window
    return body


def log_in(api: Api, email: str, password: str = PASSWORD, **headers: str) -> Any:
    return api.client.post(
        "/api/auth/login", json={"email": email, "password": password}, headers=headers
    )


def forwarded(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


class CountingHasher(FastHasher):
    """Counts the passwords checked: a refused attempt must not cost a hash."""

    def __init__(self) -> None:
        self.verified = 0

    def verify(self, password: str, password_hash: str) -> bool:
        self.verified += 1
        return super().verify(password, password_hash)


# -- per client address -------------------------------------------------------------------


def test_forty_customers_behind_one_address_all_log_in_within_a_minute(
    make_api: AppFactory,
) -> None:
    # Behind a carrier's or an office's NAT, thousands of customers share one address.
    api = make_api()
    emails = [api.register()["email"] for _ in range(40)]

    statuses = [log_in(api, email).status_code for email in emails]

    assert statuses == [200] * 40


def test_failed_log_ins_per_address_are_limited_whatever_the_accounts(
    make_api: AppFactory,
) -> None:
    api = make_api(login_failures_per_address_per_minute=3)
    known = api.register()["email"]
    innocent = api.register()["email"]
    # A wrong password, an unknown email, and an unknown email with a password that works elsewhere.
    failures = [
        log_in(api, known, WRONG),
        log_in(api, new_email(), WRONG),
        log_in(api, new_email()),
    ]
    hasher = CountingHasher()
    api.container.hasher.override(hasher)

    refused = log_in(api, innocent)

    assert [r.status_code for r in failures] == [401, 401, 401]
    body = assert_rate_limited(refused, limit=3, window=60)
    assert "address" in body["detail"]
    assert "access_token" not in refused.text
    assert hasher.verified == 0, "a locked-out address must cost no password hash"


def test_successful_log_ins_from_one_address_never_use_up_its_failures(
    make_api: AppFactory,
) -> None:
    api = make_api(login_failures_per_address_per_minute=2)
    emails = [api.register()["email"] for _ in range(5)]

    statuses = [log_in(api, new_email(), WRONG).status_code]
    statuses += [log_in(api, email).status_code for email in emails]
    statuses += [log_in(api, new_email(), WRONG).status_code, log_in(api, emails[0]).status_code]

    assert statuses == [401] + [200] * 5 + [401, 429]


def test_the_oauth2_form_shares_the_log_in_limits(make_api: AppFactory) -> None:
    api = make_api(login_failures_per_minute=1, login_failures_per_address_per_minute=3)
    email = api.register()["email"]

    def form(username: str, password: str) -> Any:
        return api.client.post("/api/auth/token", data={"username": username, "password": password})

    failed = form(email, WRONG)
    locked = log_in(api, email)
    refused = form(email, PASSWORD)
    elsewhere = [form(new_email(), WRONG).status_code for _ in range(2)]
    address_locked = log_in(api, new_email(), WRONG)

    assert failed.status_code == 401
    assert "account" in assert_problem(locked, 429, "rate-limited")["detail"]
    assert "account" in assert_problem(refused, 429, "rate-limited")["detail"]
    assert elsewhere == [401, 401]
    assert_problem(address_locked, 429, "rate-limited")


def test_a_spoofed_forwarded_for_neither_resets_nor_dodges_the_limit(make_api: AppFactory) -> None:
    api = make_api(login_failures_per_address_per_minute=3)

    statuses = [
        log_in(api, new_email(), WRONG, **forwarded(f"198.51.100.{n}")).status_code
        for n in range(1, 6)
    ]

    assert statuses == [401, 401, 401, 429, 429]


def test_an_untrusted_wildcard_never_trusts_forwarded_for(make_api: AppFactory) -> None:
    api = make_api(login_failures_per_address_per_minute=2, trusted_proxies="*")

    statuses = [
        log_in(api, new_email(), WRONG, **forwarded(f"198.51.100.{n}")).status_code
        for n in (1, 2, 3)
    ]

    assert statuses == [401, 401, 429]


def test_behind_a_trusted_proxy_each_client_address_has_its_own_budget(
    make_api: AppFactory,
) -> None:
    # The test client's socket peer is "testclient": here it plays the trusted proxy.
    api = make_api(login_failures_per_address_per_minute=2, trusted_proxies="testclient")
    email = api.register()["email"]

    first = [log_in(api, email, WRONG, **forwarded("203.0.113.1")).status_code for _ in range(3)]
    second = log_in(api, email, **forwarded("203.0.113.2"))
    # A client behind the proxy prepends an address of its choice; the proxy appends the real one.
    spoofed = log_in(api, email, **forwarded("203.0.113.99, 203.0.113.1"))

    assert first == [401, 401, 429]
    assert second.status_code == 200
    assert_rate_limited(spoofed, limit=2, window=60)


def test_registrations_per_address_are_limited_per_hour(make_api: AppFactory) -> None:
    api = make_api(registrations_per_hour=2)
    api.register()
    # A refused attempt counts too: the limit bounds probing for taken emails as well.
    invalid = api.client.post("/api/auth/register", json={"email": "nope", "password": "x"})

    refused = api.client.post(
        "/api/auth/register", json={"email": new_email(), "password": PASSWORD}
    )

    assert invalid.status_code == 400
    assert_rate_limited(refused, limit=2, window=3600)
    assert api.client.get("/api/admin/users", headers=api.admin().headers).json()["total"] == 2


# -- failed log-ins per account -----------------------------------------------------------


def test_the_eleventh_failed_log_in_in_a_minute_is_refused_even_with_the_right_password(
    make_api: AppFactory,
) -> None:
    # Every attempt from its own address, so that only the account's counter can refuse.
    api = make_api(trusted_proxies="testclient")
    email = api.register()["email"]
    other = api.register()["email"]

    failures = [
        log_in(api, email.upper(), WRONG, **forwarded(f"203.0.113.{n}")) for n in range(1, 11)
    ]
    refused = log_in(api, email, **forwarded("203.0.113.50"))

    assert {r.status_code for r in failures} == {401}
    body = assert_rate_limited(refused, limit=10, window=60)
    assert "account" in body["detail"]
    assert "access_token" not in refused.text
    assert log_in(api, other, **forwarded("203.0.113.51")).status_code == 200


def test_successful_log_ins_do_not_count_as_failures(make_api: AppFactory) -> None:
    api = make_api(login_failures_per_minute=2)
    email = api.register()["email"]

    statuses = [log_in(api, email).status_code for _ in range(5)]
    statuses += [log_in(api, email, WRONG).status_code, log_in(api, email).status_code]

    assert statuses == [200] * 5 + [401, 200]


def test_concurrent_guesses_cannot_all_slip_in_before_the_first_failure(
    make_api: AppFactory,
) -> None:
    api = make_api(login_failures_per_minute=5, login_failures_per_address_per_minute=1000)
    email = api.register()["email"]

    with ThreadPoolExecutor(10) as pool:
        responses = list(pool.map(lambda _: log_in(api, email, WRONG), range(30)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [401] * 5 + [429] * 25


def test_failed_log_ins_are_forgotten_when_the_window_ends(
    make_api: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = make_api(login_failures_per_minute=2)
    email = api.register()["email"]
    for _ in range(2):
        log_in(api, email, WRONG)
    assert log_in(api, email).status_code == 429

    later = time.time() + 61
    monkeypatch.setattr(counters.time, "time", lambda: later)

    assert log_in(api, email).status_code == 200


def test_expired_counters_of_addresses_never_seen_again_are_swept(
    make_api: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "PURGE_EVERY_SECONDS", 0.05)
    api = make_api()
    store = api.client.app.stores.get(limits.LIMITS_STORE)
    with api.client.portal() as portal:
        portal.call(store.set, "gone", b"1", timedelta(milliseconds=10))
        portal.call(store.set, "kept", b"1", 60)
    # Reading a key would drop it anyway: look inside the store to see what the sweep did.
    deadline = time.monotonic() + 5
    while list(store._store) != ["kept"] and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.05)

    assert list(store._store) == ["kept"]  # type: ignore[attr-defined]


# -- orders per user ----------------------------------------------------------------------


def _order(api: Api, session: Session) -> Any:
    return api.client.post("/api/orders", headers=session.headers)


def test_order_placements_per_user_are_limited(make_api: AppFactory) -> None:
    api = make_api(orders_per_minute=2)
    admin = api.admin()
    book = api.add_book(admin, stock=100)
    alice, bob = api.customer(), api.customer()

    alices = []
    for _ in range(3):
        api.fill_cart(alice, book["id"])
        alices.append(_order(api, alice))
    api.fill_cart(bob, book["id"])

    assert [r.status_code for r in alices[:2]] == [201, 201]
    assert_rate_limited(alices[2], limit=2, window=60)
    assert api.client.get("/api/orders", headers=alice.headers).json()["total"] == 2
    assert api.client.get("/api/cart", headers=alice.headers).json()["total_quantity"] == 1
    assert _order(api, bob).status_code == 201
    assert_problem(api.client.post("/api/orders"), 401, "unauthorized")


def test_other_routes_carry_no_limit(api: Api, customer: Session) -> None:
    for response in (
        api.client.get("/api/books"),
        api.client.get("/api/cart", headers=customer.headers),
        api.client.get("/api/orders", headers=customer.headers),
    ):
        assert response.status_code == 200
        assert "ratelimit-limit" not in response.headers


# -- switched off -------------------------------------------------------------------------


def test_rate_limits_off_lifts_every_limit(make_api: AppFactory) -> None:
    api = make_api(
        rate_limits="off",
        login_failures_per_address_per_minute=1,
        login_failures_per_minute=1,
        orders_per_minute=1,
    )
    email = api.register()["email"]

    statuses = [log_in(api, email, WRONG).status_code for _ in range(3)]
    statuses += [log_in(api, email).status_code for _ in range(3)]
    registered = [api.register()["email"] for _ in range(3)]

    assert statuses == [401] * 3 + [200] * 3
    assert len(registered) == 3
    assert "ratelimit-limit" not in log_in(api, email).headers


# -- the shared store being down -----------------------------------------------------------


def test_an_unreachable_limit_store_refuses_limited_routes_with_a_503(
    make_api: AppFactory,
) -> None:
    api = make_api(redis_url="redis://127.0.0.1:9/0")

    response = log_in(api, "someone@example.com")

    assert_problem(response, 503, "service-unavailable")
    assert response.headers["retry-after"]
    assert api.client.get("/api/books").status_code == 200


# -- shared by every server process through Redis -------------------------------------------


@pytest.fixture
def shared_redis() -> Iterator[tuple[redis.Redis, str, str]]:
    """The test Redis and a namespace of this test's own, emptied afterwards."""
    url = os.environ.get("BOOKSTORE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {url} is required under CI=true: {error}")
        pytest.skip(f"Redis at {url} is unreachable ({error}); set BOOKSTORE_TEST_REDIS_URL")
    namespace = f"bookstore-test-{uuid.uuid4().hex}"
    try:
        yield client, url, namespace
    finally:
        for key in client.scan_iter(match=f"{namespace}*"):
            client.delete(key)
        client.close()


def test_two_app_instances_share_their_limits_through_redis(
    make_api: AppFactory, shared_redis: tuple[redis.Redis, str, str]
) -> None:
    client, url, namespace = shared_redis
    settings = {"redis_url": url, "login_failures_per_address_per_minute": 3}
    one, two = (make_api(redis_namespace=namespace, **settings) for _ in range(2))
    elsewhere = make_api(redis_namespace=namespace + "-other", **settings)

    statuses = [log_in(app, new_email(), WRONG).status_code for app in (one, two, one, two)]

    assert statuses == [401, 401, 401, 429]
    assert_rate_limited(log_in(one, new_email(), WRONG), limit=3, window=60)
    assert log_in(elsewhere, new_email(), WRONG).status_code == 401
    assert list(client.scan_iter(match=f"{namespace}:*"))


def test_failed_log_ins_of_an_account_add_up_across_app_instances(
    make_api: AppFactory, shared_redis: tuple[redis.Redis, str, str]
) -> None:
    client, url, namespace = shared_redis
    settings = {"redis_url": url, "redis_namespace": namespace, "login_failures_per_minute": 2}
    one, two = make_api(**settings), make_api(**settings)
    email = one.register()["email"]

    failures = [log_in(two, email, WRONG).status_code, log_in(one, email, WRONG).status_code]
    refused = log_in(one, email)

    assert failures == [401, 401]
    assert_rate_limited(refused, limit=2, window=60)
    stored = b"".join(client.scan_iter(match=f"{namespace}:*"))
    assert email.encode() not in stored


BURSTS = {"registrations": (50, 60), "failed-log-ins": (10, 20)}
"""Registrations per address (50 an hour: 60 sent at once) and failed log-ins per account
(10 a minute: 20 at once): key -> (limit, requests sent)."""


def _take_at_once(url: str, namespace: str, start: Any, out: Any) -> None:
    """One server process's half of each burst, every take concurrent, started with the other
    process's (a spawned process runs this)."""
    import asyncio

    from bookstore.entrypoints.http.counters import CountingRedisStore

    async def burst() -> dict[str, list[bool]]:
        store = CountingRedisStore.with_client(url=url, namespace=namespace)
        try:
            await store.take("warm-up", 1, 60)  # connected before the start line
            start.wait()
            takes = [
                (key, limit) for key, (limit, sent) in BURSTS.items() for _ in range(sent // 2)
            ]
            taken = await asyncio.gather(*(store.take(key, limit, 60) for key, limit in takes))
            allowed: dict[str, list[bool]] = {key: [] for key in BURSTS}
            for (key, _), outcome in zip(takes, taken, strict=True):
                allowed[key].append(outcome.allowed)
            return allowed
        finally:
            await store._shutdown()

    out.put(asyncio.run(burst()))


@pytest.mark.slow
def test_a_burst_from_two_processes_through_redis_gets_exactly_the_limit(
    shared_redis: tuple[redis.Redis, str, str],
) -> None:
    import multiprocessing

    _, url, namespace = shared_redis
    context = multiprocessing.get_context("spawn")
    start, out = context.Barrier(2), context.Queue()
    processes = [
        context.Process(target=_take_at_once, args=(url, namespace, start, out)) for _ in range(2)
    ]
    for process in processes:
        process.start()
    halves = [out.get(timeout=30) for _ in processes]
    for process in processes:
        process.join(timeout=30)

    for key, (limit, sent) in BURSTS.items():
        allowed = halves[0][key] + halves[1][key]
        assert (len(allowed), allowed.count(True)) == (sent, limit), key
