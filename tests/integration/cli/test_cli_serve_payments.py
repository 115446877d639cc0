"""§12 end to end on `bookstore serve` alone: its embedded worker applies a delayed outcome,
and (§14) mails the customer."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import live_server
import pytest
from cli_support import Cli

pytestmark = pytest.mark.slow


def call(method: str, url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (our own URL)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_an_async_payment_is_settled_by_the_embedded_worker(cli: Cli) -> None:
    assert cli.run("seed-demo").returncode == 0
    env = cli.env(BOOKSTORE_SANDBOX_ASYNC_SECONDS="0.3")
    with live_server.serving(cli.workdir, env) as base:
        credentials = {"email": "payer@example.com", "password": "correct horse battery"}
        assert call("POST", f"{base}/api/auth/register", credentials)[0] == 201
        token = call("POST", f"{base}/api/auth/login", credentials)[1]["access_token"]
        book = call("GET", f"{base}/api/books?page_size=1")[1]["items"][0]
        item = {"book_id": book["id"], "quantity": 1}
        assert call("POST", f"{base}/api/cart/items", item, token)[0] == 200
        status, order = call("POST", f"{base}/api/orders", {}, token)
        assert status == 201
        pay = {"payment_method": "pm_card_async"}
        status, payment = call("POST", f"{base}/api/orders/{order['id']}/payments", pay, token)
        assert (status, payment["status"]) == (202, "processing")
        deadline = time.monotonic() + 15
        while call("GET", f"{base}/api/orders/{order['id']}", token=token)[1]["status"] != "paid":
            assert time.monotonic() < deadline, "the embedded worker never settled the payment"
            time.sleep(0.2)
        payments = call("GET", f"{base}/api/orders/{order['id']}/payments", token=token)[1]
        assert [p["status"] for p in payments["items"]] == ["succeeded"]
        # §14: the same worker mails the customer, as `.eml` files under ./mail by default.
        mails = cli.workdir / "mail"
        deadline = time.monotonic() + 5
        while len(list(mails.glob("*.eml"))) < 2:
            assert time.monotonic() < deadline, "no confirmation mail within seconds"
            time.sleep(0.1)
        subjects = sorted(
            line for path in mails.glob("*.eml")
            for line in path.read_text().splitlines() if line.startswith("Subject:")
        )  # fmt: skip
        short = order["id"][:8]
        assert subjects == [
            f"Subject: We received the payment for order {short}",
            f"Subject: Your order {short} is placed",
        ]
