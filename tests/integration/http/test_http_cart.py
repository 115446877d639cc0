"""The cart: one per user, lines priced at today's catalogue prices."""

from __future__ import annotations

from typing import Any

import pytest
from http_support import Api, AppFactory, Session, assert_problem, error_fields


def test_a_new_user_has_an_empty_cart(api: Api, customer: Session) -> None:
    response = api.client.get("/api/cart", headers=customer.headers)

    assert response.status_code == 200
    assert response.json() == {
        "items": [], "total_quantity": 0, "subtotal": "0.00", "coupons": [], "discount": "0.00",
        "total": "0.00", "notices": [], "currency": "USD",
    }  # fmt: skip


def test_adding_a_book_adds_to_its_line(api: Api, admin: Session, customer: Session) -> None:
    book = api.add_book(admin, price="12.99", stock=5)

    api.fill_cart(customer, book["id"])
    cart = api.fill_cart(customer, book["id"], quantity=2)

    assert cart["items"] == [
        {
            "book_id": book["id"],
            "title": book["title"],
            "unit_price": "12.99",
            "quantity": 3,
            "line_total": "38.97",
            "in_stock": True,
        }
    ]
    assert cart["total_quantity"] == 3
    assert cart["subtotal"] == "38.97"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"book_id": 1, "quantity": 0}, {"quantity"}),
        ({"book_id": 1, "quantity": 101}, {"quantity"}),
        ({"book_id": 1, "quantity": -1}, {"quantity"}),
        ({"book_id": 1, "quantity": 1.5}, {"quantity"}),
        ({"book_id": 1, "quantity": 10**18}, {"quantity"}),
        ({"book_id": "one", "quantity": 10**30}, {"book_id", "quantity"}),
        ({"quantity": 1}, {"book_id"}),
        ({"book_id": 1, "user_id": "someone"}, {"user_id"}),
    ],
)
def test_a_bad_line_is_a_400(
    api: Api, customer: Session, body: dict[str, Any], fields: set[str]
) -> None:
    response = api.client.post("/api/cart/items", json=body, headers=customer.headers)

    assert error_fields(assert_problem(response, 400, "validation")) == fields


def test_adding_an_unknown_book_is_a_404(api: Api, customer: Session) -> None:
    response = api.client.post("/api/cart/items", json={"book_id": 42}, headers=customer.headers)

    assert_problem(response, 404, "not-found")


def test_adding_more_than_the_stock_is_a_409_and_changes_nothing(
    api: Api, admin: Session, customer: Session
) -> None:
    book = api.add_book(admin, stock=2)
    api.fill_cart(customer, book["id"], 2)

    response = api.client.post(
        "/api/cart/items", json={"book_id": book["id"]}, headers=customer.headers
    )

    body = assert_problem(response, 409, "insufficient-stock")
    assert body["items"] == [
        {"book_id": book["id"], "title": book["title"], "requested": 3, "available": 2}
    ]
    assert api.client.get("/api/cart", headers=customer.headers).json()["total_quantity"] == 2


def test_a_line_above_the_limit_is_a_cart_limit_409(make_api: AppFactory) -> None:
    api = make_api(max_line_quantity=3)
    admin, customer = api.admin(), api.customer()
    book = api.add_book(admin, stock=50)

    response = api.client.put(
        f"/api/cart/items/{book['id']}", json={"quantity": 4}, headers=customer.headers
    )

    assert_problem(response, 409, "cart-limit")


def test_setting_a_quantity_creates_replaces_and_removes_the_line(
    api: Api, admin: Session, customer: Session
) -> None:
    book = api.add_book(admin)
    path = f"/api/cart/items/{book['id']}"

    created = api.client.put(path, json={"quantity": 4}, headers=customer.headers)
    replaced = api.client.put(path, json={"quantity": 2}, headers=customer.headers)
    removed = api.client.put(path, json={"quantity": 0}, headers=customer.headers)

    assert created.json()["total_quantity"] == 4
    assert replaced.json()["total_quantity"] == 2
    assert removed.json()["items"] == []


@pytest.mark.parametrize("body", [{"quantity": 101}, {"quantity": -1}, {}, {"qty": 1}], ids=str)
def test_setting_a_bad_quantity_is_a_400(
    api: Api, admin: Session, customer: Session, body: dict[str, Any]
) -> None:
    book = api.add_book(admin)

    response = api.client.put(f"/api/cart/items/{book['id']}", json=body, headers=customer.headers)

    assert_problem(response, 400, "validation")


def test_removing_a_line(api: Api, admin: Session, customer: Session) -> None:
    book = api.add_book(admin)
    api.fill_cart(customer, book["id"])

    response = api.client.delete(f"/api/cart/items/{book['id']}", headers=customer.headers)

    assert response.status_code == 200
    assert response.json()["items"] == []
    again = api.client.delete(f"/api/cart/items/{book['id']}", headers=customer.headers)
    assert_problem(again, 404, "not-found")


def test_clearing_the_cart(api: Api, admin: Session, customer: Session) -> None:
    api.fill_cart(customer, api.add_book(admin)["id"])

    response = api.client.delete("/api/cart", headers=customer.headers)

    assert response.status_code == 204
    assert api.client.get("/api/cart", headers=customer.headers).json()["items"] == []


def test_carts_are_private(api: Api, admin: Session, customer: Session) -> None:
    api.fill_cart(customer, api.add_book(admin)["id"])
    other = api.customer()

    assert api.client.get("/api/cart", headers=other.headers).json()["items"] == []


def test_a_removed_book_leaves_every_cart(api: Api, admin: Session, customer: Session) -> None:
    book = api.add_book(admin)
    api.fill_cart(customer, book["id"])

    api.client.delete(f"/api/books/{book['id']}", headers=admin.headers)

    assert api.client.get("/api/cart", headers=customer.headers).json()["items"] == []


def test_the_cart_needs_a_token(api: Api) -> None:
    assert_problem(api.client.get("/api/cart"), 401, "unauthorized")
