"""§12 over HTTP: paying, declines, delayed outcomes, the signed webhook, refunds on cancel."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest
from http_support import Api, Session, assert_problem

from bookstore.adapters.payments.signature import sign
from bookstore.entrypoints.settings import DEVELOPMENT_WEBHOOK_SECRET


def place(api: Api, customer: Session, book_id: int, quantity: int = 1) -> dict[str, Any]:
    api.fill_cart(customer, book_id, quantity)
    response = api.client.post("/api/orders", headers=customer.headers)
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


def pay(api: Api, customer: Session, order_id: str, method: str, **headers: str) -> Any:
    return api.client.post(
        f"/api/orders/{order_id}/payments",
        json={"payment_method": method},
        headers=customer.headers | headers,
    )


def order_of(api: Api, customer: Session, order_id: str) -> dict[str, Any]:
    body: dict[str, Any] = api.client.get(
        f"/api/orders/{order_id}", headers=customer.headers
    ).json()
    return body


def webhook(api: Api, event: dict[str, Any], secret: str = DEVELOPMENT_WEBHOOK_SECRET) -> Any:
    body = json.dumps(event).encode()
    signature = sign(body, secret, int(time.time()))
    return api.client.post(
        "/api/payments/webhook",
        content=body,
        headers={"Bookstore-Signature": signature, "Content-Type": "application/json"},
    )


def test_a_visa_card_pays_the_order(api: Api, admin: Session, customer: Session) -> None:
    book = api.add_book(admin, price="12.50")
    order = place(api, customer, book["id"], 2)
    assert order["payment_status"] == "unpaid"
    response = pay(api, customer, order["id"], "pm_card_visa")
    assert response.status_code == 201, response.text
    payment = response.json()
    assert (payment["status"], payment["amount"], payment["currency"]) == (
        "succeeded",
        "25.00",
        "USD",
    )
    assert payment["decline_code"] is None
    after = order_of(api, customer, order["id"])
    assert (after["status"], after["payment_status"]) == ("paid", "paid")
    assert after["status_history"][-1]["actor"] == "payment"
    assert_problem(pay(api, customer, order["id"], "pm_card_visa"), 409, "invalid-transition")


def test_a_declined_card_is_a_402_and_the_order_may_be_paid_again(
    api: Api, admin: Session, customer: Session
) -> None:
    order = place(api, customer, api.add_book(admin)["id"])
    body = assert_problem(
        pay(api, customer, order["id"], "pm_card_insufficient_funds"), 402, "payment-declined"
    )
    assert body["decline_code"] == "insufficient_funds"
    assert order_of(api, customer, order["id"])["status"] == "placed"
    assert pay(api, customer, order["id"], "pm_card_mastercard").status_code == 201
    listed = api.client.get(f"/api/orders/{order['id']}/payments", headers=customer.headers)
    assert [p["status"] for p in listed.json()["items"]] == ["failed", "succeeded"]
    assert listed.json()["total"] == 2


def test_bad_payment_requests_are_400_and_others_orders_404(
    api: Api, admin: Session, customer: Session
) -> None:
    order = place(api, customer, api.add_book(admin)["id"])
    assert_problem(pay(api, customer, order["id"], "pm_card_gold"), 400, "validation")
    url = f"/api/orders/{order['id']}/payments"
    bad = api.client.post(
        url, json={"payment_method": "pm_card_visa", "x": 1}, headers=customer.headers
    )
    assert_problem(bad, 400, "validation")
    assert_problem(pay(api, api.customer(), order["id"], "pm_card_visa"), 404, "not-found")
    assert api.client.get(url, headers=api.customer().headers).status_code == 404
    assert api.client.get(url, headers=admin.headers).status_code == 200
    assert api.client.get(url).status_code == 401


def test_an_async_payment_is_202_then_a_signed_webhook_settles_it_once(
    api: Api, admin: Session, customer: Session
) -> None:
    book = api.add_book(admin, stock=3)
    order = place(api, customer, book["id"])
    response = pay(api, customer, order["id"], "pm_card_async")
    assert response.status_code == 202, response.text
    payment = response.json()
    assert order_of(api, customer, order["id"])["payment_status"] == "processing"
    assert_problem(pay(api, customer, order["id"], "pm_card_visa"), 409, "payment-in-progress")
    event = {
        "id": "evt_test_1",
        "type": "payment.succeeded",
        "created": int(time.time()),
        "data": {
            "payment_id": payment["id"],
            "order_id": order["id"],
            "amount": payment["amount"],
            "currency": "USD",
        },
    }
    assert_problem(webhook(api, event, secret="x" * 40), 400, "invalid-signature")
    assert order_of(api, customer, order["id"])["status"] == "placed"
    assert webhook(api, event).status_code == 200
    assert webhook(api, event).status_code == 200
    after = order_of(api, customer, order["id"])
    assert (after["status"], after["payment_status"]) == ("paid", "paid")
    assert len(after["status_history"]) == 2


def test_a_webhook_without_a_signature_changes_nothing(api: Api) -> None:
    response = api.client.post("/api/payments/webhook", content=b'{"id": "evt"}')
    body = assert_problem(response, 400, "invalid-signature")
    assert "v1" not in json.dumps(body)


def test_cancelling_a_paid_order_refunds_its_payment(
    api: Api, admin: Session, customer: Session
) -> None:
    order = place(api, customer, api.add_book(admin)["id"])
    pay(api, customer, order["id"], "pm_card_visa")
    cancelled = api.client.post(f"/api/orders/{order['id']}/cancel", headers=customer.headers)
    assert cancelled.json()["payment_status"] == "refunded"
    listed = api.client.get(f"/api/orders/{order['id']}/payments", headers=customer.headers)
    assert listed.json()["items"][0]["status"] == "refunded"


def test_a_retried_payment_with_one_key_charges_once(
    api: Api, admin: Session, customer: Session
) -> None:
    order = place(api, customer, api.add_book(admin)["id"])
    first = pay(api, customer, order["id"], "pm_card_visa", **{"Idempotency-Key": "pay-1"})
    again = pay(api, customer, order["id"], "pm_card_visa", **{"Idempotency-Key": "pay-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    changed = pay(api, customer, order["id"], "pm_card_mastercard", **{"Idempotency-Key": "pay-1"})
    assert_problem(changed, 422, "idempotency-mismatch")


def test_no_signature_or_secret_reaches_a_log_line_or_an_error(
    api: Api, admin: Session, customer: Session, caplog: pytest.LogCaptureFixture
) -> None:
    order = place(api, customer, api.add_book(admin)["id"])
    payment = pay(api, customer, order["id"], "pm_card_async").json()
    event = {
        "id": "evt_log",
        "type": "payment.succeeded",
        "created": int(time.time()),
        "data": {"payment_id": payment["id"], "order_id": order["id"], "amount": "1.00"},
    }
    body = json.dumps(event).encode()
    signature = sign(body, "a-wrong-secret-of-at-least-32-bytes!", int(time.time()))
    with caplog.at_level(logging.DEBUG):
        response = api.client.post(
            "/api/payments/webhook", content=body, headers={"Bookstore-Signature": signature}
        )
        assert webhook(api, event).status_code == 400  # signed, but not an event (no currency)
    assert_problem(response, 400, "invalid-signature")
    digest = signature.split("v1=")[1]
    for text in (caplog.text, response.text):
        assert digest not in text
        assert DEVELOPMENT_WEBHOOK_SECRET not in text
