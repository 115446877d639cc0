"""The order's life over HTTP: cancel, an admin's status changes, the status filter, and the
409 `invalid-transition` with `from` and `to`."""

from __future__ import annotations

from typing import Any

import pytest
from http_support import Api, Session, assert_problem, error_fields


def place(api: Api, customer: Session, book_id: int, quantity: int = 1) -> dict[str, Any]:
    api.fill_cart(customer, book_id, quantity)
    response = api.client.post("/api/orders", headers=customer.headers)
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()
    return order


def stock(api: Api, book_id: int) -> int:
    value: int = api.client.get(f"/api/books/{book_id}").json()["stock"]
    return value


def set_status(api: Api, admin: Session, order_id: str, **body: Any) -> Any:
    return api.client.post(f"/api/admin/orders/{order_id}/status", json=body, headers=admin.headers)


def test_a_new_order_shows_its_history_and_no_shipment(
    api: Api, admin: Session, customer: Session
) -> None:
    order = place(api, customer, api.add_book(admin)["id"])
    assert order["status_history"] == [
        {"status": "placed", "at": order["created_at"], "actor": "customer", "note": None}
    ]
    assert (order["shipment"], order["cancellation_reason"]) == (None, None)


def test_a_customer_cancels_and_every_copy_goes_back(
    api: Api, admin: Session, customer: Session
) -> None:
    book = api.add_book(admin, stock=5)
    order = place(api, customer, book["id"], 3)
    assert stock(api, book["id"]) == 2

    response = api.client.post(
        f"/api/orders/{order['id']}/cancel",
        json={"reason": "Ordered by mistake"},
        headers=customer.headers,
    )

    assert response.status_code == 200, response.text
    cancelled = response.json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancellation_reason"] == "Ordered by mistake"
    assert [(e["status"], e["actor"], e["note"]) for e in cancelled["status_history"]] == [
        ("placed", "customer", None),
        ("cancelled", "customer", "Ordered by mistake"),
    ]
    assert stock(api, book["id"]) == 5
    again = api.client.get(f"/api/orders/{order['id']}", headers=customer.headers)
    assert again.json() == cancelled


@pytest.mark.parametrize("body", [None, {}])
def test_a_cancel_needs_no_body(
    api: Api, admin: Session, customer: Session, body: dict[str, Any] | None
) -> None:
    order = place(api, customer, api.add_book(admin)["id"])
    response = api.client.post(
        f"/api/orders/{order['id']}/cancel", json=body, headers=customer.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["cancellation_reason"] is None


def test_a_second_cancel_is_a_409_with_from_and_to_and_changes_nothing(
    api: Api, admin: Session, customer: Session
) -> None:
    book = api.add_book(admin, stock=5)
    order = place(api, customer, book["id"], 2)
    path = f"/api/orders/{order['id']}/cancel"
    first = api.client.post(path, headers=customer.headers).json()

    response = api.client.post(path, headers=customer.headers)

    problem = assert_problem(response, 409, "invalid-transition")
    assert (problem["from"], problem["to"]) == ("cancelled", "cancelled")
    assert stock(api, book["id"]) == 5
    assert api.client.get(f"/api/orders/{order['id']}", headers=customer.headers).json() == first


def test_another_customers_order_cannot_be_cancelled_or_seen(
    api: Api, admin: Session, customer: Session
) -> None:
    book = api.add_book(admin, stock=5)
    order = place(api, customer, book["id"])
    stranger = api.customer()
    response = api.client.post(f"/api/orders/{order['id']}/cancel", headers=stranger.headers)
    assert_problem(response, 404, "not-found")
    assert stock(api, book["id"]) == 4


def test_an_admin_takes_an_order_from_paid_to_delivered(
    api: Api, admin: Session, customer: Session
) -> None:
    order = place(api, customer, api.add_book(admin)["id"])
    assert set_status(api, admin, order["id"], status="paid", note="Cash").status_code == 200
    shipped = set_status(
        api, admin, order["id"], status="shipped", carrier="DHL", tracking_number="JD0146"
    )
    delivered = set_status(api, admin, order["id"], status="delivered")

    assert shipped.status_code == delivered.status_code == 200
    body = delivered.json()
    assert body["shipment"] == {"carrier": "DHL", "tracking_number": "JD0146"}
    assert [(e["status"], e["actor"], e["note"]) for e in body["status_history"]] == [
        ("placed", "customer", None),
        ("paid", "admin", "Cash"),
        ("shipped", "admin", None),
        ("delivered", "admin", None),
    ]
    refused = api.client.post(f"/api/orders/{order['id']}/cancel", headers=customer.headers)
    problem = assert_problem(refused, 409, "invalid-transition")
    assert (problem["from"], problem["to"]) == ("delivered", "cancelled")


@pytest.mark.parametrize(
    ("body", "status", "slug"),
    [
        ({"status": "lost"}, 400, "validation"),
        ({"status": "placed"}, 409, "invalid-transition"),
        ({"status": "shipped"}, 409, "invalid-transition"),
        ({"status": "paid", "carrier": "DHL"}, 400, "validation"),
        ({"status": "paid", "note": "n" * 501}, 400, "validation"),
        ({"note": "no status"}, 400, "validation"),
    ],
)
def test_an_admin_status_change_outside_the_table_changes_nothing(
    api: Api, admin: Session, customer: Session, body: dict[str, Any], status: int, slug: str
) -> None:
    order = place(api, customer, api.add_book(admin)["id"])
    problem = assert_problem(set_status(api, admin, order["id"], **body), status, slug)
    if slug == "invalid-transition":
        assert (problem["from"], problem["to"]) == ("placed", body["status"])
    after = api.client.get(f"/api/admin/orders/{order['id']}", headers=admin.headers).json()
    assert after == order


def test_an_admin_cancel_returns_the_copies_and_keeps_the_note_as_reason(
    api: Api, admin: Session, customer: Session
) -> None:
    book = api.add_book(admin, stock=3)
    order = place(api, customer, book["id"], 3)
    assert set_status(api, admin, order["id"], status="paid").status_code == 200
    response = set_status(api, admin, order["id"], status="cancelled", note="Out of print")
    assert response.json()["cancellation_reason"] == "Out of print"
    assert stock(api, book["id"]) == 3


def test_a_customer_lists_their_orders_by_status(
    api: Api, admin: Session, customer: Session
) -> None:
    book_id = api.add_book(admin)["id"]
    first, second = place(api, customer, book_id), place(api, customer, book_id)
    api.client.post(f"/api/orders/{first['id']}/cancel", headers=customer.headers)

    def listed(status: str) -> list[str]:
        response = api.client.get(
            "/api/orders", params={"status": status}, headers=customer.headers
        )
        assert response.status_code == 200, response.text
        return [order["id"] for order in response.json()["items"]]

    assert listed("cancelled") == [first["id"]]
    assert listed("placed") == [second["id"]]
    assert listed("shipped") == []
    bad = api.client.get("/api/orders", params={"status": "lost"}, headers=customer.headers)
    assert error_fields(assert_problem(bad, 400, "validation")) == {"status"}


def test_the_openapi_document_describes_transitions_and_their_problem(api: Api) -> None:
    document = api.client.get("/schema/openapi.json").json()
    cancel = document["paths"]["/api/orders/{order_id}/cancel"]["post"]
    change = document["paths"]["/api/admin/orders/{order_id}/status"]["post"]
    assert {"200", "401", "404", "409"} <= set(cancel["responses"])
    assert {"200", "400", "401", "403", "404", "409"} <= set(change["responses"])
    problem = document["components"]["schemas"]["Problem"]["properties"]
    assert {"from", "to"} <= set(problem)
    parameters = document["paths"]["/api/orders"]["get"]["parameters"]
    assert "status" in {p["name"] for p in parameters}
