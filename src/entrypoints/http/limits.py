"""Abuse limits: Litestar's rate-limit middleware and stores, set from the settings.

- Registrations per client address and hour, order placements per user and minute:
  Litestar's `RateLimitMiddleware` on those routes only (nothing is added to any other route).
  Its counting step is ours (`ExactRateLimit`): one atomic take from the store, so the limit
  holds exactly across every process sharing Redis.
- Failed log-ins per client address and per account: counters in the same store, kept by the
  log-in route itself (`bookstore.entrypoints.http.failed_logins`).
- The store is in memory, or in Redis shared by every server process when `redis_url` is set:
  one per app, so one per event loop (`bookstore.entrypoints.http.counters`).
- The client address is the socket peer. `X-Forwarded-For` counts only when the peer is one of
  the `trusted_proxies` (uvicorn's proxy-headers middleware, wrapped around the app), so a
  client cannot pick the address it is counted under.
- A refusal is a 429 problem with `Retry-After` and the `RateLimit-*` headers.
- `rate_limits=off` removes all of it (load tests).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any, cast

import anyio
from litestar import Litestar, Request
from litestar.exceptions import TooManyRequestsException
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import (
    DURATION_VALUES,
    CacheObject,
    DurationUnit,
    RateLimitConfig,
    RateLimitMiddleware,
)
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from bookstore.application.use_cases.authenticate import Authenticated
from bookstore.entrypoints.http.counters import (
    CountingMemoryStore,
    CountingRedisStore,
    counters_of,
)
from bookstore.entrypoints.http.dependencies import SETTINGS_STATE_KEY
from bookstore.entrypoints.settings import Settings

LIMITS_STORE = "rate_limit"
"""The app store holding every counter (Litestar's default name for the rate limiter's)."""


def limit_stores(settings: Settings) -> dict[str, Store]:
    """The app's stores: in memory, or in Redis under the settings' namespace."""
    if not settings.redis_url:
        return {LIMITS_STORE: CountingMemoryStore()}
    return {
        LIMITS_STORE: CountingRedisStore.with_client(
            url=settings.redis_url, namespace=f"{settings.redis_namespace}:limits"
        )
    }


PURGE_EVERY_SECONDS = 60


@asynccontextmanager
async def purging_expired_counters(app: Litestar) -> AsyncIterator[None]:
    """App lifespan: a `MemoryStore` only drops an expired counter when it is read again, so
    counters of addresses never seen again are swept every minute. (Redis expires keys itself.)"""
    store = app.stores.get(LIMITS_STORE)
    if not isinstance(store, MemoryStore):
        yield
        return

    async def sweep() -> None:
        while True:
            await anyio.sleep(PURGE_EVERY_SECONDS)
            await store.delete_expired()

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(sweep)
        try:
            yield
        finally:
            tasks.cancel_scope.cancel()


def behind_trusted_proxies(app: ASGIApp, settings: Settings) -> ASGIApp:
    """Believe `X-Forwarded-For` from the listed proxies only; without any, the peer is the
    client, whatever the headers say."""
    proxies = settings.trusted_proxy_list
    if not proxies or "*" in proxies:
        # "*" would let every client choose its own address: never honoured.
        return app
    return cast("ASGIApp", ProxyHeadersMiddleware(cast("Any", app), trusted_hosts=proxies))


def client_address(request: Request[Any, Any, Any]) -> str:
    """The socket peer (or the trusted proxies' client, see `behind_trusted_proxies`)."""
    return request.client.host if request.client else "unknown"


def _user_id(request: Request[Any, Any, Any]) -> str:
    caller = request.scope.get("user")
    return str(caller.actor.user_id) if isinstance(caller, Authenticated) else "anonymous"


def _authenticated(request: Request[Any, Any, Any]) -> bool:
    """Anonymous callers are refused by the route's guard (401), not counted."""
    return isinstance(request.scope.get("user"), Authenticated)


@dataclass(frozen=True, slots=True)
class _Policy:
    name: str
    unit: DurationUnit
    quantity: Callable[[Settings], int]
    identify: Callable[[Request[Any, Any, Any]], str]
    applies: Callable[[Request[Any, Any, Any]], bool] | None = None


class Limit(Enum):
    """Which counter a rate-limited route uses."""

    REGISTRATION_PER_ADDRESS = _Policy(
        "register", "hour", lambda s: s.registrations_per_hour, client_address
    )
    ORDERS_PER_USER = _Policy(
        "orders", "minute", lambda s: s.orders_per_minute, _user_id, _authenticated
    )


def rate_limited(limit: Limit) -> DefineMiddleware:
    """The route middleware counting requests to one route under `limit`."""
    return DefineMiddleware(SettingsRateLimit, limit=limit)


class SettingsRateLimit:
    """Litestar's `RateLimitMiddleware`, configured from the app's settings on first use (the
    route handlers are defined before any settings exist); a pass-through when limits are off."""

    def __init__(self, app: ASGIApp, limit: Limit) -> None:
        self.app = app
        self.limit = limit
        self._next: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._next is None:
            self._next = self._build(scope["litestar_app"])
        await self._next(scope, receive, send)

    def _build(self, app: Litestar) -> ASGIApp:
        settings: Settings = app.state[SETTINGS_STATE_KEY]
        if not settings.rate_limits_on:
            return self.app
        policy = self.limit.value
        config = RateLimitConfig(
            rate_limit=(policy.unit, policy.quantity(settings)),
            identifier_for_request=lambda request: f"{policy.name}:{policy.identify(request)}",
            check_throttle_handler=policy.applies,
            store=LIMITS_STORE,
        )
        return ExactRateLimit(self.app, config)


class ExactRateLimit(RateLimitMiddleware):
    """Litestar's rate limiter (its keys, exclusions, 429 and `RateLimit-*` headers) counting
    with one atomic take from the store instead of a read, a check and a write."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope["litestar_app"]
        request: Request[Any, Any, Any] = app.request_class(scope)
        if await self.should_check_request(request=request):
            counters = counters_of(self.config.get_store_from_app(app))
            taken = await counters.take(
                self.cache_key_from_request(request), self.max_requests, DURATION_VALUES[self.unit]
            )
            now = int(time.time())
            window = CacheObject(history=[now] * taken.count, reset=now + taken.reset_in)
            if not taken.allowed:
                raise TooManyRequestsException(headers=self.create_response_headers(window))
            send = self.create_send_wrapper(send=send, cache_object=window)
        await self.app(scope, receive, send)
