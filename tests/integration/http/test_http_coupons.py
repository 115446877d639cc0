"""Coupons and the cart as a quote over HTTP (§13): every route, and every problem."""

from __future__ import annotations

from typing import Any

from http_support import Api, Session, assert_problem, error_fields


def create(api: Api, admin: Session, **fields: Any) -> Any:
    body = {"code": "SAVE10", "kind": "percent", "value": 10} | fields
    return api.client.post("/api/admin/coupons", json=body, headers=admin.headers)


def apply(api: Api, customer: Session, code: str) -> Any:
    return api.client.post("/api/cart/coupons", json={"code": code}, headers=customer.headers)


def place(api: Api, customer: Session, **body: Any) -> Any:
    return api.client.post("/api/orders", json=body, headers=customer.headers)


def test_an_admin_creates_reads_lists_changes_and_deactivates_a_coupon(
    api: Api, admin: Session
) -> None:
    created = create(api, admin, code="summer-5", kind="fixed", value="5.00", genres=["Poetry"])
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/api/admin/coupons/SUMMER-5"
    coupon = created.json()
    assert coupon == coupon | {
        "code": "SUMMER-5", "kind": "fixed", "value": "5.00", "min_subtotal": None,
        "starts_at": None, "ends_at": None, "max_uses": None, "max_uses_per_customer": 1,
        "exclusive": True, "genres": ["Poetry"], "active": True, "times_used": 0,
    }  # fmt: skip
    assert coupon["created_at"].endswith("Z")
    got = api.client.get("/api/admin/coupons/summer-5", headers=admin.headers)
    assert got.json() == coupon

    changed = api.client.patch(
        "/api/admin/coupons/SUMMER-5",
        json={"kind": "percent", "value": 15, "ends_at": "2030-01-01T00:00:00Z", "genres": None},
        headers=admin.headers,
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["value"], changed.json()["genres"]) == (15, None)
    assert changed.json()["ends_at"] == "2030-01-01T00:00:00Z"

    gone = api.client.delete("/api/admin/coupons/SUMMER-5", headers=admin.headers)
    assert gone.status_code == 204
    active = api.client.get("/api/admin/coupons?active=true", headers=admin.headers).json()
    every = api.client.get("/api/admin/coupons", headers=admin.headers).json()
    assert (active["total"], every["total"]) == (0, 1)
    assert every["items"][0]["active"] is False


def test_admin_coupon_problems(api: Api, admin: Session, customer: Session) -> None:
    assert create(api, admin).status_code == 201
    assert_problem(create(api, admin, code="save10"), 409, "duplicate-coupon")
    bad = create(api, admin, code="no", value=101, ends_at="2030-01-01T00:00:00")
    assert error_fields(assert_problem(bad, 400, "validation")) >= {"ends_at"}
    assert error_fields(assert_problem(create(api, admin, value=0), 400, "validation")) == {"value"}
    assert error_fields(assert_problem(create(api, admin, code="a b c"), 400, "validation")) == {
        "code"
    }
    unknown = api.client.get("/api/admin/coupons/NOPE", headers=admin.headers)
    assert_problem(unknown, 404, "not-found")
    patched = api.client.patch("/api/admin/coupons/NOPE", json={}, headers=admin.headers)
    assert_problem(patched, 404, "not-found")
    assert_problem(
        api.client.delete("/api/admin/coupons/NOPE", headers=admin.headers), 404, "not-found"
    )
    assert_problem(create(api, customer, code="MINE"), 403, "forbidden")
    assert_problem(api.client.get("/api/admin/coupons"), 401, "unauthorized")


def test_a_coupon_in_the_cart_and_out_again(api: Api, admin: Session, customer: Session) -> None:
    book = api.add_book(admin, price="20.00")
    api.fill_cart(customer, book["id"], 2)
    create(api, admin, code="TEN", value=10)
    cart = apply(api, customer, "ten")
    assert cart.status_code == 200, cart.text
    assert cart.json() == cart.json() | {
        "subtotal": "40.00", "coupons": [{"code": "TEN", "discount": "4.00"}],
        "discount": "4.00", "total": "36.00", "notices": [],
    }  # fmt: skip
    removed = api.client.delete("/api/cart/coupons/Ten", headers=customer.headers)
    assert removed.status_code == 200, removed.text
    assert (removed.json()["coupons"], removed.json()["total"]) == ([], "40.00")
    again = api.client.delete("/api/cart/coupons/TEN", headers=customer.headers)
    assert_problem(again, 404, "not-found")


def test_a_coupon_that_does_not_apply_is_a_422_with_its_reason(
    api: Api, admin: Session, customer: Session
) -> None:
    assert apply(api, customer, "NOPE").json()["reason"] == "unknown"
    create(api, admin, code="TEN")
    problem = assert_problem(apply(api, customer, "TEN"), 422, "coupon-not-applicable")
    assert (problem["code"], problem["reason"]) == ("TEN", "no_eligible_items")
    problem = assert_problem(apply(api, customer, "not a code"), 422, "coupon-not-applicable")
    assert problem["reason"] == "unknown"
    assert_problem(apply(api, customer, "x" * 101), 400, "validation")
    assert api.client.get("/api/cart", headers=customer.headers).json()["coupons"] == []


def test_the_cart_tells_what_changed(api: Api, admin: Session, customer: Session) -> None:
    pricier, scarce, gone = (api.add_book(admin, title=t, stock=3) for t in ("A", "B", "C"))
    for book in (pricier, scarce, gone):
        api.fill_cart(customer, book["id"], 2)
    create(api, admin, code="LATE", ends_at="2020-01-01T00:00:00Z", starts_at=None)
    headers = admin.headers
    api.client.patch(f"/api/books/{pricier['id']}", json={"price": "14.00"}, headers=headers)
    api.client.patch(f"/api/books/{scarce['id']}", json={"stock": 1}, headers=headers)
    api.client.delete(f"/api/books/{gone['id']}", headers=headers)
    cart = api.client.get("/api/cart", headers=customer.headers).json()
    assert cart["notices"] == [
        {"kind": "price_changed", "book_id": pricier["id"], "from": "12.99", "to": "14.00"},
        {"kind": "insufficient_stock", "book_id": scarce["id"], "requested": 2, "available": 1},
        {"kind": "unavailable", "book_id": gone["id"]},
    ]
    assert apply(api, customer, "LATE").json()["reason"] == "expired"


def test_placing_with_coupons_and_the_quote(api: Api, admin: Session, customer: Session) -> None:
    book = api.add_book(admin, price="20.00", stock=5)
    api.fill_cart(customer, book["id"], 1)
    create(api, admin, code="FIVE", kind="fixed", value=5, exclusive=False)
    quote = apply(api, customer, "FIVE").json()

    changed = assert_problem(place(api, customer, expected_total="20.00"), 409, "quote-changed")
    assert (changed["expected_total"], changed["total"]) == ("20.00", "15.00")

    placed = place(api, customer, expected_total=quote["total"])
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert order == order | {
        "subtotal": "20.00", "discount": "5.00", "total": "15.00",
        "coupons": [{"code": "FIVE", "discount": "5.00"}],
    }  # fmt: skip
    assert order["items"][0]["unit_price"] == "20.00"
    shown = api.client.get(f"/api/orders/{order['id']}", headers=customer.headers).json()
    assert shown["coupons"] == order["coupons"]
    coupon = api.client.get("/api/admin/coupons/FIVE", headers=admin.headers).json()
    assert coupon["times_used"] == 1

    cancelled = api.client.post(f"/api/orders/{order['id']}/cancel", headers=customer.headers)
    assert cancelled.status_code == 200
    coupon = api.client.get("/api/admin/coupons/FIVE", headers=admin.headers).json()
    assert coupon["times_used"] == 0


def test_a_coupon_that_stopped_applying_refuses_the_order_with_a_409(
    api: Api, admin: Session, customer: Session
) -> None:
    book = api.add_book(admin, stock=5)
    api.fill_cart(customer, book["id"], 1)
    create(api, admin, code="SOON-GONE")
    apply(api, customer, "SOON-GONE")
    api.client.delete("/api/admin/coupons/SOON-GONE", headers=admin.headers)
    cart = api.client.get("/api/cart", headers=customer.headers).json()
    assert cart["notices"] == [
        {"kind": "coupon_not_applicable", "code": "SOON-GONE", "reason": "inactive"}
    ]
    problem = assert_problem(place(api, customer), 409, "coupon-not-applicable")
    assert (problem["code"], problem["reason"]) == ("SOON-GONE", "inactive")
    assert api.client.get(f"/api/books/{book['id']}").json()["stock"] == 5
    assert api.client.get("/api/orders", headers=customer.headers).json()["total"] == 0


def test_a_keyed_retry_with_another_expected_total_is_another_request(
    api: Api, admin: Session, customer: Session
) -> None:
    book = api.add_book(admin, price="20.00", stock=5)
    api.fill_cart(customer, book["id"], 1)
    key = customer.headers | {"Idempotency-Key": "quote-1"}
    first = api.client.post("/api/orders", json={"expected_total": "20.00"}, headers=key)
    assert first.status_code == 201, first.text
    replay = api.client.post("/api/orders", json={"expected_total": "20.00"}, headers=key)
    assert replay.headers.get("idempotent-replayed") == "true"
    other = api.client.post("/api/orders", json={"expected_total": "19.00"}, headers=key)
    assert_problem(other, 422, "idempotency-mismatch")


def test_emptying_the_cart_removes_its_coupons(api: Api, admin: Session, customer: Session) -> None:
    book = api.add_book(admin)
    api.fill_cart(customer, book["id"], 1)
    create(api, admin, code="TEN")
    apply(api, customer, "TEN")
    assert api.client.delete("/api/cart", headers=customer.headers).status_code == 204
    api.fill_cart(customer, book["id"], 1)
    assert api.client.get("/api/cart", headers=customer.headers).json()["coupons"] == []
