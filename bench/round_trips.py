"""Statements and round trips PostgreSQL sees for one add-to-cart and one order.

    python bench/round_trips.py postgresql://postgres@127.0.0.1:5432/postgres

Makes a fresh database on that server, migrates it, adds one book and one customer, then
runs the HTTP app in-process (Litestar's `TestClient`) and sends `POST /api/cart/items` and
`POST /api/orders` once each (after one warm-up pair). Every connection of the app's pool
writes libpq's protocol trace to a file; for each request it prints the statements sent and
counts the round trips: the times the server answered "ready for query", each of which the
client waited for (a simple query, or a Sync: one per statement, or one per pipeline),
the `Authorization` check included. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

from sqlalchemy import event

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from compare import drop_postgres_database, fresh_postgres_database  # noqa: E402

_MESSAGE = re.compile(
    r'^(?:F\t\d+\tParse\t "(?P<name>[^"]*)" "(?P<sql>.*?)" \d'
    r'|F\t\d+\tBind\t "[^"]*" "(?P<bound>[^"]*)"'
    r'|F\t\d+\tQuery\t "(?P<query>.*?)"$'
    r"|B\t\d+\t(?P<ready>ReadyForQuery))",
    re.MULTILINE | re.DOTALL,
)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("server", help="a PostgreSQL server URL (a database is made there)")
    args = p.parse_args()
    name = f"bookstore_round_trips_{os.getpid()}"
    url = fresh_postgres_database(args.server, name)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            return count(url, Path(tmp))
    finally:
        drop_postgres_database(args.server, url)


def count(url: str, log: Path) -> int:
    from litestar.testing import TestClient

    from bookstore.adapters.sql import upgrade_database
    from bookstore.entrypoints.container import create_container
    from bookstore.entrypoints.http import create_app
    from bookstore.entrypoints.settings import Settings

    upgrade_database(url)
    settings = Settings(
        database_url=url,
        jwt_secret="x" * 64,
        rate_limits="off",
        bcrypt_rounds=4,
        log_level="WARNING",
    )
    container = create_container(settings)
    traces: list[tuple[Path, IO[str]]] = []
    event.listen(container.uow().engine, "connect", lambda conn, _: _trace(conn, log, traces))
    with TestClient(app=create_app(container)) as client:
        admin = _token(client, container, admin=True)
        book = {"title": "Round trips", "author": "A. Counter", "genre": "Testing",
                "price": "10.00", "stock": 1000}  # fmt: skip
        book_id = client.post("/api/books", json=book, headers=admin).json()["id"]
        customer = _token(client, container, admin=False)
        for label in ("warm-up", "measured"):
            steps = (
                ("add to cart", lambda: client.post(
                    "/api/cart/items", json={"book_id": book_id}, headers=customer)),
                ("place order", lambda: client.post("/api/orders", headers=customer)),
            )  # fmt: skip
            for step, call in steps:
                starts = {path: len(_text(path)) for path, _ in traces}
                response = call()
                _expect(response, 200, 201)
                round_trips, sent = 0, []
                for path, file in traces:
                    file.flush()
                    trips, statements = _messages(path, starts.get(path, 0))
                    round_trips += trips
                    sent += statements
                if label == "measured":
                    print(f"{step}: {round_trips} round trips, {len(sent)} statements")
                    for message in sent:
                        print(f"    {message[:150]}")
    return 0


def _token(client, container, *, admin: bool) -> dict[str, str]:  # type: ignore[no-untyped-def]
    email = f"{'admin' if admin else 'buyer'}-{os.getpid()}@example.com"
    password = "Pass-word-123!"
    if admin:
        from bookstore.application.use_cases.create_admin import CreateAdminCommand

        container.create_admin()(CreateAdminCommand(email, password))
    else:
        r = client.post("/api/auth/register", json={"email": email, "password": password})
        _expect(r, 201)
    r = client.post("/api/auth/login", json={"email": email, "password": password})
    _expect(r, 200)
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _expect(response: Any, *statuses: int) -> None:
    if response.status_code not in statuses:
        raise RuntimeError(f"{response.status_code}: {response.text}")


def _trace(conn: Any, folder: Path, traces: list[tuple[Path, IO[str]]]) -> None:
    """libpq's protocol trace of this connection, to a file of its own."""
    from psycopg.pq import Trace

    path = folder / f"trace-{len(traces)}.txt"
    file = path.open("w")
    traces.append((path, file))
    conn.pgconn.trace(file.fileno())
    conn.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS)


def _text(path: Path) -> str:
    return path.read_bytes().decode(errors="replace")


def _messages(log: Path, start: int) -> tuple[int, list[str]]:
    """Round trips (the server's ReadyForQuery) and statements run, from `start` on (the
    text of a prepared statement is in its Parse, earlier in the trace)."""
    text = _text(log)
    prepared: dict[str, str] = {}
    sent, round_trips = [], 0
    for m in _MESSAGE.finditer(text):
        if m["name"] is not None:
            prepared[m["name"]] = " ".join(m["sql"].split())
        elif m.start() < start:
            continue
        elif m["ready"]:
            round_trips += 1
        elif m["bound"] is not None:
            sent.append(prepared.get(m["bound"], "?"))
        elif m["query"] is not None:
            sent.append(m["query"])
    return round_trips, sent


if __name__ == "__main__":
    sys.exit(main())
