"""Abuse limits: Litestar's rate-limit middleware and stores, set from the settings.

- Log-in attempts per client address and minute, registrations per client address and hour,
  order placements per user and minute: Litestar's `RateLimitMiddleware` on those routes only
  (nothing is added to any other route).
- Failed log-ins per account and minute: a counter in the same Litestar store, kept by the
  log-in route itself, since only the use case knows whether an attempt failed.
- The store is a `MemoryStore`, or a `RedisStore` shared by every server process when
  `redis_url` is set: one per app, so one per event loop.
- The client address is the socket peer. `X-Forwarded-For` counts only when the peer is one of
  the `trusted_proxies` (uvicorn's proxy-headers middleware, wrapped around the app), so a
  client cannot pick the address it is counted under.
- A refusal is a 429 problem with `Retry-After` and the `RateLimit-*` headers.
- `rate_limits=off` removes all of it (load tests).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import Enum
from typing import Any, cast

import anyio
from litestar import Litestar, Request
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import TooManyRequestsException
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import (
    CacheObject,
    DurationUnit,
    RateLimitConfig,
    RateLimitMiddleware,
)
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from bookstore.application.use_cases.authenticate import Authenticated
from bookstore.domain.errors import AuthenticationFailed
from bookstore.entrypoints.http.dependencies import SETTINGS_STATE_KEY
from bookstore.entrypoints.settings import Settings

LIMITS_STORE = "rate_limit"
"""The app store holding every counter (Litestar's default name for the rate limiter's)."""

FAILED_LOGINS_STATE_KEY = "failed_logins"

_SECONDS: dict[DurationUnit, int] = {"minute": 60, "hour": 3600}


def limit_stores(settings: Settings) -> dict[str, Store]:
    """The app's stores: in memory, or in Redis under the settings' namespace."""
    if not settings.redis_url:
        return {LIMITS_STORE: MemoryStore()}
    from litestar.stores.redis import RedisStore

    return {
        LIMITS_STORE: RedisStore.with_client(
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

    LOGIN_PER_ADDRESS = _Policy("login", "minute", lambda s: s.logins_per_minute, client_address)
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
        return _RateLimitMiddleware(self.app, config)


class _RateLimitMiddleware(RateLimitMiddleware):
    """Litestar's, except that it leaves the `RateLimit-*` headers of a refusal by a stricter
    counter (failed log-ins per account) as they are, instead of overwriting them with its own."""

    def create_send_wrapper(self, send: Send, cache_object: CacheObject) -> Send:
        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for name, value in self.create_response_headers(cache_object).items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        return send_wrapper


class FailedLogins:
    """At most `limit` failed log-ins per account in a fixed window; then every attempt is
    refused (429) until the window ends, even one with the right password.

    An attempt is counted before the password is checked and un-counted when it succeeds, so a
    burst of concurrent guesses cannot all slip in before the first failure is recorded. The
    counter lives in the app's store (shared through Redis when configured); its read and
    write are serialised within a process, and approximate across processes."""

    def __init__(self, limit: int, window_seconds: int = _SECONDS["minute"]) -> None:
        self.limit = limit
        self.window = window_seconds
        self._lock = anyio.Lock()

    @asynccontextmanager
    async def attempt(self, store: Store, email: str) -> AsyncIterator[None]:
        key = account_key(email)
        await self._claim(store, key)
        try:
            yield
        except AuthenticationFailed:
            raise
        except BaseException:
            await self._release(store, key)
            raise
        await self._release(store, key)

    async def _claim(self, store: Store, key: str) -> None:
        async with self._lock:
            count, reset = await self._read(store, key)
            if count >= self.limit:
                raise TooManyRequestsException(
                    detail="Too many failed log-ins for this account; retry later.",
                    headers=limit_headers(self.limit, 0, self.window, reset),
                )
            await self._write(store, key, count + 1, reset)

    async def _release(self, store: Store, key: str) -> None:
        async with self._lock:
            count, reset = await self._read(store, key)
            if count > 1:
                await self._write(store, key, count - 1, reset)
            elif count == 1:
                await store.delete(key)

    async def _read(self, store: Store, key: str) -> tuple[int, int]:
        now = int(time.time())
        raw = await store.get(key)
        if raw:
            count, _, reset = raw.decode().partition(" ")
            if count.isdigit() and reset.isdigit() and int(reset) > now:
                return int(count), int(reset)
        return 0, now + self.window

    @staticmethod
    async def _write(store: Store, key: str, count: int, reset: int) -> None:
        expires_in = max(1, reset - int(time.time()))
        await store.set(key, f"{count} {reset}", expires_in=expires_in)


def account_key(email: str) -> str:
    """The account an email names, compared as log-in does (trimmed, any case); hashed, so
    no store holds emails."""
    canonical = email.strip().lower()
    return "failed-logins:" + hashlib.sha256(canonical.encode()).hexdigest()


def limit_headers(limit: int, remaining: int, window: int, reset: int) -> dict[str, str]:
    """The `RateLimit-*` headers Litestar's middleware sends, for the account counter."""
    return {
        "RateLimit-Policy": f"{limit}; w={window}",
        "RateLimit-Limit": str(limit),
        "RateLimit-Remaining": str(remaining),
        "RateLimit-Reset": str(max(1, reset - int(time.time()))),
    }


def failed_logins_of(request: Request[Any, Any, Any]) -> FailedLogins | None:
    failed: FailedLogins | None = request.app.state.get(FAILED_LOGINS_STATE_KEY)
    return failed


@asynccontextmanager
async def counting_failed_logins(
    request: Request[Any, Any, Any], email: str
) -> AsyncIterator[None]:
    """Around a log-in: refused once the account has too many recent failures; a failure
    (`AuthenticationFailed`) counts. A no-op when limits are off."""
    failed = failed_logins_of(request)
    if failed is None:
        yield
        return
    async with failed.attempt(request.app.stores.get(LIMITS_STORE), email):
        yield
