"""Failed log-ins, counted per client address and per account in the app's limits store.

Kept by the log-in route itself, since only the use case knows whether an attempt failed.
Successful log-ins never count: thousands of customers may share one address behind a
carrier's or an office's NAT, and none of them is refused for what the others did. Both counters
are checked before the password is, so a locked-out attempt costs no password hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.exceptions import TooManyRequestsException
from litestar.stores.base import Store

from bookstore.domain.errors import AuthenticationFailed
from bookstore.entrypoints.http.counters import counters_of
from bookstore.entrypoints.http.limits import LIMITS_STORE, client_address
from bookstore.entrypoints.settings import Settings

FAILED_LOGINS_STATE_KEY = "failed_logins"
WINDOW_SECONDS = 60


class FailedAttempts:
    """At most `limit` failed log-ins per key (an account, a client address) in a fixed window;
    then every attempt under that key is refused (429) until the window ends, even one with the
    right password, and before any password is checked.

    An attempt is counted before the password is checked and un-counted when it succeeds, so a
    burst of concurrent guesses cannot all slip in before the first failure is recorded. Each
    count and un-count is one atomic step of the app's store (`counters`), shared through
    Redis when configured: the limit is exact across every process."""

    def __init__(self, limit: int, refusal: str) -> None:
        self.limit = limit
        self.refusal = refusal

    @asynccontextmanager
    async def attempt(self, store: Store, key: str) -> AsyncIterator[None]:
        counters = counters_of(store)
        taken = await counters.take(key, self.limit, WINDOW_SECONDS)
        if not taken.allowed:
            raise TooManyRequestsException(
                detail=self.refusal,
                headers=limit_headers(self.limit, taken.reset_in),
            )
        try:
            yield
        except AuthenticationFailed:
            raise
        except BaseException:
            await counters.give_back(key)
            raise
        await counters.give_back(key)


@dataclass(frozen=True, slots=True)
class FailedLogins:
    """The two failure counters a log-in passes, the client address's first."""

    per_address: FailedAttempts
    per_account: FailedAttempts

    @classmethod
    def from_settings(cls, settings: Settings) -> FailedLogins:
        return cls(
            per_address=FailedAttempts(
                settings.login_failures_per_address_per_minute,
                "Too many failed log-ins from this address; retry later.",
            ),
            per_account=FailedAttempts(
                settings.login_failures_per_minute,
                "Too many failed log-ins for this account; retry later.",
            ),
        )

    @asynccontextmanager
    async def attempt(self, store: Store, email: str, address: str) -> AsyncIterator[None]:
        # An account refused (429) checked no password: the address counts no failure for it.
        async with (
            self.per_address.attempt(store, address_key(address)),
            self.per_account.attempt(store, account_key(email)),
        ):
            yield


def account_key(email: str) -> str:
    """The account an email names, compared as log-in does (trimmed, any case); hashed, so
    no store holds emails."""
    canonical = email.strip().lower()
    return "failed-logins:" + _digest(canonical)


def address_key(address: str) -> str:
    """A client address's failures; hashed too, so no store holds addresses either."""
    return "failed-logins-from:" + _digest(address)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def limit_headers(limit: int, reset_in: int) -> dict[str, str]:
    """The `RateLimit-*` headers Litestar's middleware sends, for a refusing failure counter."""
    return {
        "RateLimit-Policy": f"{limit}; w={WINDOW_SECONDS}",
        "RateLimit-Limit": str(limit),
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": str(max(1, reset_in)),
    }


@asynccontextmanager
async def counting_failed_logins(
    request: Request[Any, Any, Any], email: str
) -> AsyncIterator[None]:
    """Around a log-in: refused once the client address or the account has too many recent
    failures; a failure (`AuthenticationFailed`) counts for both. A no-op when limits are off."""
    failed: FailedLogins | None = request.app.state.get(FAILED_LOGINS_STATE_KEY)
    if failed is None:
        yield
        return
    store = request.app.stores.get(LIMITS_STORE)
    async with failed.attempt(store, email, client_address(request)):
        yield
