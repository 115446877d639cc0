"""200 buyers, one book, ten copies, four server processes: exactly ten orders.

Each buyer is a client of its own (own account, own connection, the book in its cart). All
log in and open their connection first, then place their order at the same instant.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import httpx
import pytest
from resilience_support import (
    PROBLEM_JSON,
    assert_no_tracebacks,
    assert_orders_consistent,
    client,
    gather_bounded,
    is_problem,
    log_in,
    read_ledger,
    seed,
    serving,
)

from bookstore.adapters.sql import upgrade_database

pytestmark = pytest.mark.slow

BUYERS = 200
STOCK = 10
WORKERS = 4
RACE_SECONDS = 60


@dataclass(frozen=True)
class Outcome:
    status: int | None
    """None: the connection failed (refused, dropped, timed out)."""
    body: object = None
    content_type: str = ""
    error: str = ""
    problem_ok: bool = False


async def race(base: str, emails: list[str], book_id: int) -> list[Outcome]:
    clients = [client(base) for _ in emails]
    try:
        tokens = await gather_bounded(
            [log_in(http, email) for http, email in zip(clients, emails, strict=True)], 25
        )

        async def open_connection(http: httpx.AsyncClient, headers: dict[str, str]) -> None:
            cart = await http.get("/api/cart", headers=headers)
            assert cart.status_code == 200, cart.text
            assert [(i["book_id"], i["quantity"]) for i in cart.json()["items"]] == [(book_id, 1)]

        # every buyer's connection is open (and kept alive) before the race starts
        await asyncio.gather(*(open_connection(h, t) for h, t in zip(clients, tokens, strict=True)))
        go = asyncio.Event()

        async def buy(http: httpx.AsyncClient, headers: dict[str, str]) -> Outcome:
            await go.wait()
            try:
                response = await http.post("/api/orders", headers=headers)
            except httpx.TransportError as error:
                return Outcome(None, error=f"{type(error).__name__}: {error}")
            content_type = response.headers.get("content-type", "")
            body = response.json() if "json" in content_type else response.text
            short = response.status_code == 409 and is_problem(response, "insufficient-stock")
            if short:
                assert isinstance(body, dict)
                short = body.get("items") == [
                    {"book_id": book_id, "title": "Resilience 0", "requested": 1, "available": 0}
                ]
            return Outcome(response.status_code, body, content_type, problem_ok=short)

        buyers = [asyncio.create_task(buy(h, t)) for h, t in zip(clients, tokens, strict=True)]
        await asyncio.sleep(0.2)  # every task waits at the starting line
        go.set()
        return await asyncio.wait_for(asyncio.gather(*buyers), RACE_SECONDS)
    finally:
        await asyncio.gather(*(http.aclose() for http in clients))


def test_200_buyers_race_for_10_copies_over_4_processes(database_url: str, tmp_path: Path) -> None:
    upgrade_database(database_url)
    store = seed(database_url, [STOCK], BUYERS, cart={0: 1})
    [book_id] = store.book_ids

    with serving(database_url, tmp_path, WORKERS) as server:
        outcomes = asyncio.run(race(server.base, store.emails, book_id))
    assert_no_tracebacks(server)

    statuses = Counter(o.status for o in outcomes)
    dropped = [o.error for o in outcomes if o.status is None]
    assert dropped == [], f"dropped connections: {Counter(dropped)}"
    assert statuses == {201: STOCK, 409: BUYERS - STOCK}, statuses
    refusals = [o for o in outcomes if o.status == 409]
    assert all(o.content_type.startswith(PROBLEM_JSON) for o in refusals)
    odd = [o.body for o in refusals if not o.problem_ok]
    assert odd == [], f"409s that are not insufficient-stock for 1 of 0 copies: {odd[:3]}"

    placed = {UUID(o.body["id"]) for o in outcomes if o.status == 201 and isinstance(o.body, dict)}
    assert len(placed) == STOCK
    ledger = read_ledger(database_url)
    assert set(ledger.order_totals) == placed, "the 201s and the orders in the database differ"
    assert ledger.stock[book_id] == 0
    assert_orders_consistent(ledger, store.initial_stock)
