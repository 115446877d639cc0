"""Fixed-window counters taken in one atomic step, in the app's limits store.

A limit is exact only if "is there room?" and "count me" are one step: read-then-write lets
every request that reads before the first write through. Litestar's `Store` API has only get
and set, and its rate limiter reads then writes under a lock of one process (litestar#4700),
so N processes sharing Redis allowed up to N times the limit in a burst. Here:

- `CountingRedisStore`: Litestar's `RedisStore` plus two Lua scripts (`register_script`),
  each one round trip that Redis runs alone: take one unit if the window has room, or give
  one back. The window's end is the key's expiry, kept by Redis, so no clock of ours matters.
- `CountingMemoryStore`: Litestar's `MemoryStore` plus the same two steps under a lock (one
  process, one event loop: the only counters it ever has).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import anyio
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore


@dataclass(frozen=True, slots=True)
class Taken:
    """What a `take` found: whether it counted, the count in the window (with it, if it
    counted), and the seconds until the window ends."""

    allowed: bool
    count: int
    reset_in: int


@runtime_checkable
class WindowCounters(Protocol):
    async def take(self, key: str, limit: int, window_seconds: int) -> Taken:
        """Count one under `key` if fewer than `limit` were counted in its window (which
        opens with the first, for `window_seconds`); else count nothing."""
        ...

    async def give_back(self, key: str) -> None:
        """Un-count one (an attempt that turned out not to count); the window stays."""
        ...


_TAKE = b"""
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
if ttl <= 0 then
    redis.call('SET', KEYS[1], 1, 'PX', ARGV[2])
    return {1, 1, tonumber(ARGV[2])}
end
if count >= tonumber(ARGV[1]) then
    return {0, count, ttl}
end
return {1, redis.call('INCR', KEYS[1]), ttl}
"""

_GIVE_BACK = b"""
if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('DECR', KEYS[1]) <= 0 then
    redis.call('DEL', KEYS[1])
end
"""


class CountingRedisStore(RedisStore):
    """Shared by every process on one Redis (see the module's doc)."""

    __slots__ = ("_give_back_script", "_take_script")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._take_script = self._redis.register_script(_TAKE)
        self._give_back_script = self._redis.register_script(_GIVE_BACK)

    async def take(self, key: str, limit: int, window_seconds: int) -> Taken:
        allowed, count, ttl_ms = await self._take_script(
            keys=[self._make_key(key)], args=[limit, window_seconds * 1000]
        )
        return Taken(bool(allowed), int(count), max(1, math.ceil(int(ttl_ms) / 1000)))

    async def give_back(self, key: str) -> None:
        await self._give_back_script(keys=[self._make_key(key)])


class CountingMemoryStore(MemoryStore):
    """One process's counters (see the module's doc); a value is `"<count> <window end>"`."""

    __slots__ = ("_counting",)

    def __init__(self) -> None:
        super().__init__()
        self._counting = anyio.Lock()

    async def take(self, key: str, limit: int, window_seconds: int) -> Taken:
        async with self._counting:
            now = int(time.time())
            count, end = await self._read(key, now, window_seconds)
            if count >= limit:
                return Taken(False, count, max(1, end - now))
            await self.set(key, f"{count + 1} {end}", expires_in=max(1, end - now))
            return Taken(True, count + 1, max(1, end - now))

    async def give_back(self, key: str) -> None:
        async with self._counting:
            now = int(time.time())
            count, end = await self._read(key, now, 1)
            if count > 1:
                await self.set(key, f"{count - 1} {end}", expires_in=max(1, end - now))
            elif count == 1:
                await self.delete(key)

    async def _read(self, key: str, now: int, window_seconds: int) -> tuple[int, int]:
        raw = await self.get(key)
        if raw:
            count, _, end = raw.decode().partition(" ")
            if count.isdigit() and end.isdigit() and int(end) > now:
                return int(count), int(end)
        return 0, now + window_seconds


def counters_of(store: Store) -> WindowCounters:
    if not isinstance(store, WindowCounters):
        raise TypeError(f"the limits store {type(store).__name__} cannot count atomically")
    return store
