"""Events, webhooks and the waitlist over HTTP (§14): an order event carries the order exactly
as GET /api/orders/{id} shows it; the admins' webhook API; the customers' waiting lists."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers
from http_support import Api, Session, assert_problem, error_fields

from bookstore.application.notifications import Mail
from bookstore.domain.events import WebhookEndpoint


class Answers:
    """A webhook sender answering with the next status given (200 when none are left), and
    a mailer that keeps what it is given."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.mails: list[Mail] = []

    def post(self, endpoint: WebhookEndpoint, body: bytes, timestamp: int) -> int:
        return self.statuses.pop(0) if self.statuses else 200

    def send(self, mail: Mail) -> None:
        self.mails.append(mail)


def outside(api: Api, *statuses: int) -> Answers:
    answers = Answers(*statuses)
    api.container.webhook_sender.override(providers.Object(answers))
    api.container.mailer.override(providers.Object(answers))
    return answers


def events(api: Api) -> list[Any]:
    with api.container.uow()(read_only=True) as uow:
        return uow.deliveries.undispatched(100)


def place(api: Api, customer: Session, book_id: int) -> dict[str, Any]:
    api.fill_cart(customer, book_id)
    response = api.client.post("/api/orders", headers=customer.headers)
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


def test_an_order_event_is_the_order_as_its_get_shows_it_after_each_change(
    api: Api, admin: Session, customer: Session
) -> None:
    order = place(api, customer, api.add_book(admin)["id"])
    url = f"/api/orders/{order['id']}"
    placed = api.client.get(url, headers=customer.headers).json()
    cancel = api.client.post(f"{url}/cancel", json={"reason": "changed my mind"},
                             headers=customer.headers)  # fmt: skip
    cancelled = api.client.get(url, headers=customer.headers).json()

    by_type = {e.type.value: e.data for e in events(api)}
    assert by_type["order.placed"] == placed == order
    assert by_type["order.cancelled"] == cancelled == cancel.json()


def test_admins_manage_webhooks_and_see_and_retry_their_deliveries(
    api: Api, admin: Session, customer: Session
) -> None:
    answers = outside(api, 500)
    body = {"url": "https://hooks.example.com/in", "events": ["order.placed"]}
    made = api.client.post("/api/admin/webhooks", json=body, headers=admin.headers)
    assert made.status_code == 201, made.text
    endpoint = made.json()
    assert endpoint["secret"].startswith("whsec_")
    assert made.headers["location"] == f"/api/admin/webhooks/{endpoint['id']}"
    path = f"/api/admin/webhooks/{endpoint['id']}"
    shown = api.client.get(path, headers=admin.headers).json()
    assert "secret" not in shown
    assert shown["events"] == ["order.placed"]
    listed = api.client.get("/api/admin/webhooks", headers=admin.headers).json()
    assert [e["id"] for e in listed["items"]] == [endpoint["id"]]
    assert "secret" not in listed["items"][0]

    place(api, customer, api.add_book(admin)["id"])
    api.container.deliver_events()()
    deliveries = api.client.get(f"{path}/deliveries", headers=admin.headers).json()
    (failed,) = deliveries["items"]
    assert failed["status"] == "failed"
    assert (failed["attempts"], failed["last_status_code"]) == (1, 500)
    assert failed["event_type"] == "order.placed"

    retry = f"/api/admin/webhooks/deliveries/{failed['id']}/retry"
    assert api.client.post(retry, headers=admin.headers).status_code == 202
    assert api.container.deliver_events()() == 1
    assert_problem(api.client.post(retry, headers=admin.headers), 409, "already-delivered")
    assert answers.statuses == []

    patched = api.client.patch(path, json={"active": False}, headers=admin.headers)
    assert patched.json()["active"] is False
    assert api.client.delete(path, headers=admin.headers).status_code == 204
    assert_problem(api.client.get(path, headers=admin.headers), 404, "not-found")


def test_webhooks_are_for_admins_with_an_http_url_and_known_events(
    api: Api, admin: Session, customer: Session
) -> None:
    body = {"url": "https://hooks.example.com/in", "events": ["order.placed"]}
    assert_problem(
        api.client.post("/api/admin/webhooks", json=body, headers=customer.headers),
        403,
        "forbidden",
    )
    bad = {"url": "file:///etc/passwd", "events": ["order.exploded"]}
    refused = api.client.post("/api/admin/webhooks", json=bad, headers=admin.headers)
    assert error_fields(assert_problem(refused, 400, "validation")) == {"url", "events"}


def test_in_production_a_webhook_to_a_private_address_is_refused(make_api: Any) -> None:
    api: Api = make_api(
        env="production",
        jwt_secret="x" * 40,
        payment_webhook_secret="y" * 40,
        payment_provider="sandbox",
    )
    admin = api.admin()
    for url in ("http://127.0.0.1:9/hook", "http://10.1.2.3/hook", "http://169.254.169.254/"):
        body = {"url": url, "events": ["order.paid"]}
        refused = api.client.post("/api/admin/webhooks", json=body, headers=admin.headers)
        assert error_fields(assert_problem(refused, 400, "validation")) == {"url"}


def test_customers_wait_for_sold_out_books_and_are_mailed_when_they_return(
    api: Api, admin: Session, customer: Session
) -> None:
    answers = outside(api)
    in_stock = api.add_book(admin, stock=2)
    sold_out = api.add_book(admin, title="Gone", stock=0)
    join = f"/api/books/{sold_out['id']}/waitlist"
    assert_problem(
        api.client.post(f"/api/books/{in_stock['id']}/waitlist", headers=customer.headers),
        409,
        "in-stock",
    )
    assert api.client.post(join, headers=customer.headers).status_code == 201
    assert api.client.post(join, headers=customer.headers).status_code == 200
    mine = api.client.get("/api/users/me/waitlist", headers=customer.headers).json()
    assert ([b["id"] for b in mine["items"]], mine["total"]) == ([sold_out["id"]], 1)
    assert api.client.post(join).status_code == 401

    restock = {"delta": 4, "note": "found a box"}
    api.client.post(f"/api/admin/books/{sold_out['id']}/stock-adjustments", json=restock,
                    headers=admin.headers)  # fmt: skip
    api.container.deliver_events()()

    (mail,) = answers.mails
    assert mail.to == customer.email
    assert "Gone" in mail.subject
    mine = api.client.get("/api/users/me/waitlist", headers=customer.headers).json()
    assert mine["total"] == 0
    assert api.client.delete(join, headers=customer.headers).status_code == 204
