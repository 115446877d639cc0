"""GET /metrics: Prometheus text behind its own token; requests by method, route template and
status (429s and 401s included), and the business figures."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from http_support import Api, AppFactory, assert_problem, bearer

from bookstore.entrypoints.settings import Settings, SettingsError

TOKEN = "a-metrics-token-of-thirty-two-bytes!"


@pytest.fixture
def database_url() -> str:
    return "memory://"


def scrape(api: Api) -> str:
    response = api.client.get("/metrics", headers=bearer(TOKEN))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def value(text: str, name: str, **labels: str) -> float:
    """A sample's value (0 when absent), whatever other labels it has."""
    total = 0.0
    for line in text.splitlines():
        match = re.match(rf"^{name}(?:\{{(.*)\}})? (\S+)$", line)
        if match is None:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(match.group(2))
    return total


def test_without_a_token_set_there_are_no_metrics(make_api: AppFactory) -> None:
    api = make_api()

    assert_problem(api.client.get("/metrics"), 404, "not-found")
    assert_problem(api.client.get("/metrics", headers=bearer(TOKEN)), 404, "not-found")


def test_the_metrics_need_their_own_token(make_api: AppFactory) -> None:
    api = make_api(metrics_token=TOKEN)
    customer = api.customer()

    for headers in ({}, bearer(TOKEN[:-1]), customer.headers, {"Authorization": TOKEN}):
        response = api.client.get("/metrics", headers=headers)
        assert_problem(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == "Bearer"
    assert "/metrics" not in api.client.get("/schema/openapi.json").json()["paths"]


def test_a_short_metrics_token_is_refused() -> None:
    with pytest.raises(SettingsError, match="BOOKSTORE_METRICS_TOKEN"):
        Settings(metrics_token="short").check()


def test_requests_are_counted_by_method_route_template_and_status(make_api: AppFactory) -> None:
    api = make_api(metrics_token=TOKEN, orders_per_minute=1)
    customer = api.customer()
    book = api.add_book(api.admin(), stock=10)
    route = "/api/books/{book_id}"
    before = scrape(api)

    api.client.get(f"/api/books/{book['id']}")
    api.client.get("/api/books/999999")
    statuses = []
    for _ in range(2):
        api.fill_cart(customer, book["id"])
        statuses.append(api.client.post("/api/orders", headers=customer.headers).status_code)
    api.client.post("/api/orders")  # no token: refused by the authentication middleware
    after = scrape(api)

    def counted(text: str, path: str, method: str, status: int) -> float:
        labels = {"path": path, "method": method, "status_code": str(status)}
        return value(text, "bookstore_http_requests_total", **labels)

    def delta(path: str, method: str, status: int) -> float:
        return counted(after, path, method, status) - counted(before, path, method, status)

    assert statuses == [201, 429]
    assert delta(route, "GET", 200) == 1
    assert delta(route, "GET", 404) == 1
    assert delta("/api/orders", "POST", 201) == 1
    assert delta("/api/orders", "POST", 429) == 1
    assert delta("/api/orders", "POST", 401) == 1
    histogram = {"path": route, "method": "GET", "status_code": "200"}
    assert value(after, "bookstore_http_request_duration_seconds_count", **histogram) >= 1
    assert f'path="/api/books/{book["id"]}"' not in after  # templates, never raw paths


def test_orders_and_payments_are_counted_once_each(make_api: AppFactory) -> None:
    api = make_api(metrics_token=TOKEN)
    customer = api.customer()
    book = api.add_book(api.admin(), stock=10)
    before = scrape(api)

    def order(key: str) -> Any:
        return api.client.post(
            "/api/orders", headers=customer.headers | {"Idempotency-Key": key}
        ).json()

    api.fill_cart(customer, book["id"])
    first = order("first")
    order("first")  # a replay places nothing
    api.fill_cart(customer, book["id"])
    second = order("second")
    outcomes = [
        api.client.post(
            f"/api/orders/{placed['id']}/payments",
            json={"payment_method": method},
            headers=customer.headers,
        ).status_code
        for placed, method in ((first, "pm_card_declined"), (second, "pm_card_visa"))
    ]
    after = scrape(api)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert outcomes == [402, 201]
    assert delta("bookstore_orders_placed_total") == 2
    assert delta("bookstore_payments_total", outcome="succeeded") == 1
    assert delta("bookstore_payments_total", outcome="failed") == 1


def test_events_waiting_for_delivery_are_shown_until_the_worker_delivers_them(
    make_api: AppFactory, tmp_path: Path
) -> None:
    api = make_api(metrics_token=TOKEN, mail_dir=str(tmp_path))
    customer = api.customer()
    book = api.add_book(api.admin(), stock=10)
    api.fill_cart(customer, book["id"])
    assert api.client.post("/api/orders", headers=customer.headers).status_code == 201

    waiting = value(scrape(api), "bookstore_events_pending")
    api.container.deliver_events()()  # a round of the worker: the confirmation is mailed
    delivered = value(scrape(api), "bookstore_events_pending")

    assert (waiting, delivered) == (1, 0)
    assert len(list(tmp_path.glob("*.eml"))) == 1
