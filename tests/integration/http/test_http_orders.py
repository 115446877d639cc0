"""Placing orders and reading them back."""

from __future__ import annotations

import uuid

from http_support import Api, Session, assert_problem, error_fields


def test_placing_an_order_answers_201_and_empties_the_cart(
    api: Api, admin: Session, customer: Session
) -> None:
    book = api.add_book(admin, price="12.99", stock=5)
    api.fill_cart(customer, book["id"], 2)

    response = api.client.post("/api/orders", headers=customer.headers)

    assert response.status_code == 201
    order = response.json()
    assert set(order) == {
        "id", "status", "items", "subtotal", "discount", "coupons", "total", "currency",
        "created_at", "status_history", "shipment", "cancellation_reason", "payment_status",
    }  # fmt: skip
    assert response.headers["location"] == f"/api/orders/{order['id']}"
    assert uuid.UUID(order["id"])
    assert order["status"] == "placed"
    assert order["items"] == [
        {
            "book_id": book["id"],
            "title": book["title"],
            "unit_price": "12.99",
            "quantity": 2,
            "line_total": "25.98",
        }
    ]
    assert order["total"] == "25.98"
    assert order["currency"] == "USD"
    assert api.client.get("/api/cart", headers=customer.headers).json()["items"] == []
    assert api.client.get(f"/api/books/{book['id']}").json()["stock"] == 3
    assert api.client.get(response.headers["location"], headers=customer.headers).json() == order


def test_placing_an_order_accepts_an_empty_object(
    api: Api, admin: Session, customer: Session
) -> None:
    api.fill_cart(customer, api.add_book(admin)["id"])

    response = api.client.post("/api/orders", json={}, headers=customer.headers)

    assert response.status_code == 201


def test_an_order_body_with_fields_of_its_own_is_refused(
    api: Api, admin: Session, customer: Session
) -> None:
    api.fill_cart(customer, api.add_book(admin)["id"])

    response = api.client.post(
        "/api/orders", json={"total": "0.01", "status": "paid"}, headers=customer.headers
    )

    assert error_fields(assert_problem(response, 400, "validation")) == {"total", "status"}
    assert api.client.get("/api/orders", headers=customer.headers).json()["total"] == 0


def test_an_empty_cart_cannot_be_ordered(api: Api, customer: Session) -> None:
    assert_problem(api.client.post("/api/orders", headers=customer.headers), 409, "empty-cart")


def test_short_stock_fails_the_whole_order_and_names_each_short_book(
    api: Api, admin: Session, customer: Session
) -> None:
    plenty = api.add_book(admin, title="Plenty", stock=5)
    scarce = api.add_book(admin, title="Scarce", stock=3)
    api.fill_cart(customer, plenty["id"], 1)
    api.fill_cart(customer, scarce["id"], 3)
    api.client.patch(f"/api/books/{scarce['id']}", json={"stock": 1}, headers=admin.headers)

    response = api.client.post("/api/orders", headers=customer.headers)

    body = assert_problem(response, 409, "insufficient-stock")
    assert body["items"] == [
        {"book_id": scarce["id"], "title": "Scarce", "requested": 3, "available": 1}
    ]
    assert api.client.get(f"/api/books/{plenty['id']}").json()["stock"] == 5
    assert api.client.get("/api/cart", headers=customer.headers).json()["total_quantity"] == 4


def test_orders_are_listed_newest_first_and_paginated(
    api: Api, admin: Session, customer: Session
) -> None:
    book = api.add_book(admin, stock=10)
    placed = []
    for _ in range(3):
        api.fill_cart(customer, book["id"])
        placed.append(api.client.post("/api/orders", headers=customer.headers).json()["id"])

    page = api.client.get("/api/orders?page_size=2", headers=customer.headers).json()

    assert page["total"] == 3
    assert page["page_size"] == 2
    assert [order["id"] for order in page["items"]] == placed[::-1][:2]
    assert_problem(
        api.client.get("/api/orders?page_size=101", headers=customer.headers), 400, "validation"
    )


def test_another_users_order_is_not_found(api: Api, admin: Session, customer: Session) -> None:
    api.fill_cart(customer, api.add_book(admin)["id"])
    order = api.client.post("/api/orders", headers=customer.headers).json()
    other = api.customer()

    response = api.client.get(f"/api/orders/{order['id']}", headers=other.headers)

    body = assert_problem(response, 404, "not-found")
    assert order["items"][0]["title"] not in response.text
    assert api.client.get("/api/orders", headers=other.headers).json()["items"] == []
    assert "detail" in body


def test_an_unknown_or_malformed_order_id_is_a_404(api: Api, customer: Session) -> None:
    for path in (f"/api/orders/{uuid.uuid4()}", "/api/orders/not-a-uuid", "/api/orders/1"):
        assert_problem(api.client.get(path, headers=customer.headers), 404, "not-found")


def test_an_order_keeps_the_title_and_price_it_was_placed_at(
    api: Api, admin: Session, customer: Session
) -> None:
    book = api.add_book(admin, title="Old title", price="5.00")
    api.fill_cart(customer, book["id"])
    order = api.client.post("/api/orders", headers=customer.headers).json()

    api.client.patch(
        f"/api/books/{book['id']}", json={"title": "New", "price": "9.00"}, headers=admin.headers
    )
    api.client.delete(f"/api/books/{book['id']}", headers=admin.headers)

    kept = api.client.get(f"/api/orders/{order['id']}", headers=customer.headers).json()
    assert kept["items"][0]["title"] == "Old title"
    assert kept["total"] == "5.00"
