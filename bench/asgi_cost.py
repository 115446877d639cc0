"""CPU per request of the ASGI app alone: no sockets, no uvicorn, no load generator.

    .venv/bin/python bench/asgi_cost.py get list search --requests 4000 --concurrency 32
    .venv/bin/python bench/asgi_cost.py flow --requests 2000      # add to cart + place order

Builds the app the way `bookstore serve` does (`bookstore.entrypoints.asgi:app`, settings from
the environment; BOOKSTORE_LOG_LEVEL=WARNING unless set, so no access log) on a fresh
10,000-book SQLite catalogue (bench/catalogue.py; `--pg-url` a throwaway PostgreSQL
database instead), runs its lifespan, then calls it directly
with `--concurrency` coroutines sharing `--requests` GETs, and prints the process CPU time per
request (every thread counted). On a busy machine this moves much less than requests per
second do, which makes it the tool for A/B-ing a change to the request path: run it with
`PYTHONPATH=<a copy of the tree with the change>` and without. `flow` is the write path:
each caller is a user of its own (registered and logged in through the use cases, bcrypt
cost 4) that adds a random book to its cart and places the order; "req" is then one flow.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import catalogue

PATHS: dict[str, Callable[[int], tuple[str, bytes]]] = {
    "get": lambda i: (f"/api/books/{1 + i % 9900}", b""),
    "list": lambda i: ("/api/books", b"page=1&page_size=20"),
    "search": lambda i: ("/api/books", f"q={catalogue.SEARCH_WORD}&page=1&page_size=20".encode()),
}


def scope(path: str, query: bytes) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def call(
    app: Any,
    path: str,
    query: bytes,
    *,
    method: str = "GET",
    body: bytes = b"",
    headers: tuple[tuple[bytes, bytes], ...] = (),
) -> int:
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    request = scope(path, query)
    request["method"] = method
    request["headers"] = [*request["headers"], *headers]
    await app(request, receive, send)
    return status[0]


async def flow(app: Any, token: str, i: int) -> int:
    """Add a random book to the cart, then place the order: the status of the first failure,
    or the order's 201."""
    headers = ((b"authorization", f"Bearer {token}".encode()),)
    json_headers = (*headers, (b"content-type", b"application/json"))
    book = b'{"book_id": %d, "quantity": 1}' % (1 + (i * 7919) % 9900)
    status = await call(app, "/api/cart/items", b"", method="POST", body=book, headers=json_headers)
    if status >= 300:
        return status
    return await call(app, "/api/orders", b"", method="POST", body=b"{}", headers=json_headers)


def log_in_users(app: Any, count: int) -> list[str]:
    from bookstore.application.use_cases import LogInCommand, RegisterUserCommand
    from bookstore.entrypoints.http.dependencies import container_of

    container = container_of(app.state)
    tokens = []
    for n in range(count):
        email, password = f"flow{n}@example.com", "flow-password-1"
        container.register_user()(RegisterUserCommand(email, password))
        tokens.append(container.log_in()(LogInCommand(email, password)).access_token)
    return tokens


async def flow_caller(app: Any, token: str, numbers: Iterator[int]) -> None:
    for i in numbers:
        if (status := await flow(app, token, i)) != 201:
            raise SystemExit(f"flow: status {status}")


async def measure_flows(app: Any, requests: int, concurrency: int) -> None:
    tokens = log_in_users(app, concurrency)
    for i in range(100):
        await flow_caller(app, tokens[0], iter([i]))
    numbers = iter(range(requests))
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(flow_caller(app, token, numbers) for token in tokens))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"flow    {cpu / requests * 1000:.3f} CPU ms/flow  {wall / requests * 1000:.3f} wall "
        f"ms/flow  ({requests} flows, {concurrency} users)"
    )


async def caller(
    app: Any, path_of: Callable[[int], tuple[str, bytes]], numbers: Iterator[int]
) -> None:
    """One of the concurrent callers: takes request numbers until they run out."""
    for i in numbers:
        await call(app, *path_of(i))


async def measure(app: Any, kinds: list[str], requests: int, concurrency: int) -> None:
    events: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    events.put_nowait({"type": "lifespan.startup"})

    async def lifespan_send(message: dict[str, Any]) -> None:
        return None

    life = asyncio.ensure_future(
        app({"type": "lifespan", "asgi": {"version": "3.0"}}, events.get, lifespan_send)
    )
    await asyncio.sleep(0.5)
    try:
        for kind in kinds:
            if kind == "flow":
                await measure_flows(app, requests, concurrency)
                continue
            path_of = PATHS[kind]
            for i in range(200):  # warm caches; every answer must be a 200
                if (status := await call(app, *path_of(i))) != 200:
                    raise SystemExit(f"{kind}: status {status}")
            numbers = iter(range(requests))

            cpu, wall = time.process_time(), time.perf_counter()
            await asyncio.gather(*(caller(app, path_of, numbers) for _ in range(concurrency)))
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            print(
                f"{kind:7} {cpu / requests * 1000:.3f} CPU ms/req  "
                f"{wall / requests * 1000:.3f} wall ms/req  ({requests} requests, "
                f"{concurrency} callers)"
            )
    finally:
        life.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await life


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kinds", nargs="+", choices=[*sorted(PATHS), "flow"])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--books", type=int, default=10_000)
    parser.add_argument(
        "--pg-url", help="a throwaway PostgreSQL database to use instead of a SQLite file"
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bookstore-asgi-cost-"))
    try:
        url = args.pg_url or f"sqlite:///{workdir / 'bookstore.db'}"
        catalogue.build(url, args.books, quiet=True)
        os.environ["BOOKSTORE_DATABASE_URL"] = url
        os.environ.setdefault("BOOKSTORE_JWT_SECRET", "asgi-cost-" + "x" * 40)
        os.environ.setdefault("BOOKSTORE_RATE_LIMITS", "off")
        os.environ.setdefault("BOOKSTORE_LOG_LEVEL", "WARNING")
        os.environ.setdefault("BOOKSTORE_BCRYPT_ROUNDS", "4")
        os.chdir(workdir)  # no .env of the user's is read
        from bookstore.entrypoints.asgi import app

        try:
            import uvloop

            runner: Callable[..., Any] = uvloop.run
        except ImportError:
            runner = asyncio.run
        runner(measure(app, args.kinds, args.requests, args.concurrency))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
