"""Load generators: wrk for the reads, a small asyncio HTTP/1.1 client for flows and storms.

The client is the standard library only (asyncio streams, keep-alive, no retries), so that
`make bench` needs nothing beyond the project's own dependencies and `wrk`. It runs on uvloop
when it is installed (uvicorn[standard] brings it). Every run is bounded in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import os
import random
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

PASSWORD = "Bench-pass-123!"


def check_loopback(base_url: str) -> tuple[str, int]:
    """(host, port) of an http:// URL on loopback; anything else is refused."""
    parts = urllib.parse.urlsplit(base_url)
    host = parts.hostname or ""
    loopback = host == "localhost"
    if not loopback:
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
    if parts.scheme != "http" or not loopback:
        raise SystemExit(f"refusing {base_url!r}: the benchmark only targets http:// on loopback")
    return host, parts.port or 80


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


# --------------------------------------------------------------------------- wrk

WRK_REPORT = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""

WRK_RANDOM_ID = r"""
local ids = {%(ranges)s}
local total = ids[#ids][3]
local counter = 0
setup = function(thread)
  counter = counter + 1
  thread:set("seed", counter)
end
init = function(args)
  math.randomseed(os.time() * 1000 + (seed or 0))
end
request = function()
  local r = math.random(1, total)
  for _, range in ipairs(ids) do
    if r <= range[3] then
      return wrk.format("GET", (string.gsub(%(path)s, "{id}", tostring(range[2] - (range[3] - r)))))
    end
  end
end
"""

WRK_POST = r"""
wrk.method = "POST"
wrk.body = %(body)s
wrk.headers["Content-Type"] = "application/json"
"""


def wrk_missing_message() -> str:
    return (
        "wrk is not installed; the read scenarios need it.\n"
        "  Debian/Ubuntu: sudo apt-get install wrk\n"
        "  macOS:         brew install wrk\n"
        "  Fedora:        sudo dnf install wrk\n"
        "(or build it from https://github.com/wg/wrk)"
    )


def _lua_ranges(ranges: list[list[int]]) -> str:
    parts, total = [], 0
    for lo, hi in ranges:
        total += hi - lo + 1
        parts.append(f"{{{lo},{hi},{total}}}")
    return ",".join(parts)


def run_wrk(
    base_url: str,
    path: str,
    *,
    duration: int,
    connections: int = 32,
    id_ranges: list[list[int]] | None = None,
    post_body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Closed-loop load on one path (`{id}` = a random id from `id_ranges` per request)."""
    check_loopback(base_url)
    if shutil.which("wrk") is None:
        raise SystemExit(wrk_missing_message())
    script = WRK_REPORT
    if "{id}" in path:
        if not id_ranges:
            raise ValueError("a {id} path needs id ranges")
        values = {"ranges": _lua_ranges(id_ranges), "path": json.dumps(path)}
        script = WRK_RANDOM_ID % values + script
    if post_body is not None:
        script = WRK_POST % {"body": json.dumps(json.dumps(post_body))} + script
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    url = base_url + ("/" if "{id}" in path else path)
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "10s"]
    try:
        out = subprocess.run(
            [*command, "-s", lua.name, url],
            capture_output=True,
            text=True,
            timeout=duration + 60,
            check=False,
        )
    finally:
        os.unlink(lua.name)
    found = re.search(r"WRKJSON (\{.*\})", out.stdout)
    if found is None:
        raise RuntimeError(f"wrk output not understood:\n{out.stdout}\n{out.stderr}")
    w = json.loads(found.group(1))
    seconds = w["duration_us"] / 1e6
    dropped = w["connect"] + w["read"] + w["write"] + w["timeout"]
    return {
        "tool": "wrk",
        "requests": w["requests"],
        "seconds": round(seconds, 2),
        "rate": w["requests"] / seconds if seconds else 0.0,
        "unit": "req/s",
        "p50_ms": w["p50_us"] / 1000,
        "p99_ms": w["p99_us"] / 1000,
        "max_ms": w["max_us"] / 1000,
        "non2xx": w["status"],  # wrk counts status >= 400 here
        "dropped": dropped,
        "errors": w["status"] + dropped,
    }


# --------------------------------------------------------------------------- HTTP client


class TransportError(Exception):
    pass


class Connection:
    """One keep-alive HTTP/1.1 connection. No retries: a POST is never sent twice."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            sock = self._writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    async def close(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def request(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[int, bytes]:
        """(status, body); status -1 when the connection failed (the error text as body)."""
        try:
            return await asyncio.wait_for(self._exchange(method, path, body, token), 30)
        except (OSError, TransportError, asyncio.IncompleteReadError, TimeoutError) as error:
            await self.close()
            return -1, repr(error).encode()

    async def _exchange(
        self, method: str, path: str, body: Any, token: str | None
    ) -> tuple[int, bytes]:
        await self.open()
        if self._reader is None or self._writer is None:
            raise TransportError("not connected")
        payload = b"" if body is None else json.dumps(body).encode()
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        elif method != "GET":
            head.append("Content-Length: 0")
        if token:
            head.append(f"Authorization: Bearer {token}")
        self._writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)
        await self._writer.drain()
        status_line = await self._reader.readline()
        if not status_line:
            raise TransportError("connection closed before a response")
        status = int(status_line.split(b" ", 2)[1])
        length, chunked, close = -1, False, False
        while True:
            line = await self._reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = b"close" in value.lower()
        if chunked:
            data = bytearray()
            while True:
                size = int((await self._reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self._reader.readline()
                    break
                data += await self._reader.readexactly(size)
                await self._reader.readexactly(2)
            content = bytes(data)
        elif length >= 0:
            content = await self._reader.readexactly(length)
        else:
            content, close = await self._reader.read(), True
        if close:
            await self.close()
        return status, content


# --------------------------------------------------------------------------- users


async def log_in(base_url: str, emails: list[str], parallel: int = 8) -> list[str]:
    """Access tokens for existing users, through POST /api/auth/login."""
    host, port = check_loopback(base_url)
    connections = [Connection(host, port) for _ in range(min(parallel, len(emails)))]
    tokens: list[str] = [""] * len(emails)
    queue = list(enumerate(emails))

    async def worker(conn: Connection) -> None:
        while queue:
            i, email = queue.pop()
            body = {"email": email, "password": PASSWORD}
            status, data = await conn.request("POST", "/api/auth/login", body)
            if status != 200:
                raise RuntimeError(f"login of {email} answered {status}: {data[:200]!r}")
            tokens[i] = json.loads(data)["access_token"]

    try:
        await asyncio.gather(*(worker(c) for c in connections))
    finally:
        await asyncio.gather(*(c.close() for c in connections))
    return tokens


async def stock_of(base_url: str, book_id: int) -> int | None:
    conn = Connection(*check_loopback(base_url))
    try:
        status, data = await conn.request("GET", f"/api/books/{book_id}")
    finally:
        await conn.close()
    return int(json.loads(data)["stock"]) if status == 200 else None


# --------------------------------------------------------------------------- flows


@dataclass
class FlowStats:
    statuses: Counter[int] = field(default_factory=Counter)
    request_latency: list[float] = field(default_factory=list)
    flow_latency: list[float] = field(default_factory=list)
    ok: int = 0
    failed: int = 0


async def run_flows(
    base_url: str,
    tokens: list[str],
    book_ids: list[int],
    *,
    duration: float,
    warmup: float = 1.0,
    seed: int = 1,
) -> dict[str, Any]:
    """Each token is one virtual user, looping: add a random book to the cart (1 copy), then
    place the order. Closed loop, `warmup` seconds unmeasured, then `duration` measured."""
    host, port = check_loopback(base_url)
    stats = FlowStats()
    started = time.perf_counter()
    measure_from = started + warmup
    stop_at = measure_from + duration

    async def user(index: int) -> None:
        rnd = random.Random(seed * 100_003 + index)
        conn = Connection(host, port)
        try:
            while (now := time.perf_counter()) < stop_at:
                measuring = now >= measure_from
                t0 = now
                ok = True
                for path, body in (
                    ("/api/cart/items", {"book_id": rnd.choice(book_ids), "quantity": 1}),
                    ("/api/orders", {}),
                ):
                    t1 = time.perf_counter()
                    status, _ = await conn.request("POST", path, body, tokens[index])
                    if measuring:
                        stats.statuses[status] += 1
                        stats.request_latency.append(time.perf_counter() - t1)
                    if not 200 <= status < 300:
                        ok = False
                        break
                if measuring:
                    if ok:
                        stats.ok += 1
                        stats.flow_latency.append(time.perf_counter() - t0)
                    else:
                        stats.failed += 1
        finally:
            await conn.close()

    await asyncio.gather(*(user(i) for i in range(len(tokens))))
    seconds = max(1e-9, min(time.perf_counter(), stop_at) - measure_from)
    s5 = sum(n for s, n in stats.statuses.items() if s >= 500)
    s4 = sum(n for s, n in stats.statuses.items() if 400 <= s < 500)
    dropped = stats.statuses.get(-1, 0)
    requests = sum(stats.statuses.values())
    p50, p99 = percentile(stats.flow_latency, 50), percentile(stats.flow_latency, 99)
    rp50, rp99 = percentile(stats.request_latency, 50), percentile(stats.request_latency, 99)
    return {
        "tool": "asyncio",
        "seconds": round(seconds, 2),
        "requests": requests,
        "req_rate": requests / seconds,
        "rate": stats.ok / seconds,
        "unit": "flows/s",
        "flows_ok": stats.ok,
        "flows_failed": stats.failed,
        "p50_ms": (p50 or 0) * 1000,
        "p99_ms": (p99 or 0) * 1000,
        "request_p50_ms": (rp50 or 0) * 1000,
        "request_p99_ms": (rp99 or 0) * 1000,
        "status_counts": {str(k): v for k, v in sorted(stats.statuses.items())},
        "non2xx": s4 + s5 + dropped,
        "4xx": s4,
        "5xx": s5,
        "dropped": dropped,
        "errors": s5 + dropped,
    }


# --------------------------------------------------------------------------- storm


async def run_storm(base_url: str, tokens: list[str], book_id: int) -> dict[str, Any]:
    """Every user puts 1 copy of `book_id` in their cart; then all orders are released at the
    same instant, one per pre-opened connection. Right = exactly min(stock, users) orders
    succeed, the stock read back is what it was minus those, no 5xx, nothing dropped."""
    host, port = check_loopback(base_url)
    stock_before = await stock_of(base_url, book_id)
    connections = [Connection(host, port) for _ in tokens]
    adds: Counter[int] = Counter()
    try:

        async def add(i: int) -> None:
            body = {"book_id": book_id, "quantity": 1}
            status, _ = await connections[i].request("POST", "/api/cart/items", body, tokens[i])
            adds[status] += 1

        await asyncio.gather(*(add(i) for i in range(len(tokens))))
        go = asyncio.Event()

        async def order(i: int) -> tuple[int, bytes]:
            await go.wait()
            return await connections[i].request("POST", "/api/orders", {}, tokens[i])

        tasks = [asyncio.create_task(order(i)) for i in range(len(tokens))]
        await asyncio.sleep(0.2)
        t0 = time.perf_counter()
        go.set()
        results = await asyncio.gather(*tasks)
        wall = time.perf_counter() - t0
    finally:
        await asyncio.gather(*(c.close() for c in connections))
    stock_after = await stock_of(base_url, book_id)
    statuses = Counter(status for status, _ in results)
    ok = sum(n for s, n in statuses.items() if 200 <= s < 300)
    s5 = sum(n for s, n in statuses.items() if s >= 500)
    dropped = statuses.get(-1, 0)
    expected = min(stock_before or 0, len(tokens))
    correct = (
        stock_before is not None
        and all(200 <= s < 300 for s in adds)
        and ok == expected
        and stock_after == stock_before - ok
        and stock_after == max(0, stock_before - len(tokens))
        and s5 == 0
        and dropped == 0
    )
    return {
        "book_id": book_id,
        "stock_before": stock_before,
        "stock_after": stock_after,
        "orders_ok": ok,
        "cart_add_statuses": {str(k): v for k, v in sorted(adds.items())},
        "status_counts": {str(k): v for k, v in sorted(statuses.items())},
        "wall_ms": wall * 1000,
        "5xx": s5,
        "dropped": dropped,
        "errors": s5 + dropped,
        "correct": correct,
    }
