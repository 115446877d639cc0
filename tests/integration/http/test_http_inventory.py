"""The stock ledger over HTTP: movements, adjustments, PATCH stock as an adjustment,
reconcile and low stock; and the book's low-stock threshold."""

from __future__ import annotations

from typing import Any

from http_support import Api, AppFactory, Session, assert_problem, error_fields


def movements(api: Api, admin: Session, book_id: int, **params: Any) -> dict[str, Any]:
    response = api.client.get(
        f"/api/admin/books/{book_id}/movements", params=params, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def adjust(api: Api, admin: Session, book_id: int, **body: Any) -> Any:
    return api.client.post(
        f"/api/admin/books/{book_id}/stock-adjustments", json=body, headers=admin.headers
    )


def test_a_book_has_a_threshold_the_store_default_unless_given(make_api: AppFactory) -> None:
    api = make_api(low_stock_threshold=2)
    admin = api.admin()
    assert api.add_book(admin)["low_stock_threshold"] == 2
    own = api.add_book(admin, low_stock_threshold=0)
    assert own["low_stock_threshold"] == 0
    patched = api.client.patch(
        f"/api/books/{own['id']}", json={"low_stock_threshold": 9}, headers=admin.headers
    )
    assert patched.json()["low_stock_threshold"] == 9
    assert api.client.get(f"/api/books/{own['id']}").json()["low_stock_threshold"] == 9
    refused = api.client.patch(
        f"/api/books/{own['id']}", json={"low_stock_threshold": -1}, headers=admin.headers
    )
    assert error_fields(assert_problem(refused, 400, "validation")) == {"low_stock_threshold"}


def test_every_copy_that_came_and_went_is_a_movement_newest_first(
    api: Api, admin: Session, customer: Session
) -> None:
    book = api.add_book(admin, stock=5)
    api.fill_cart(customer, book["id"], 2)
    order = api.client.post("/api/orders", headers=customer.headers).json()
    api.client.patch(f"/api/books/{book['id']}", json={"stock": 10}, headers=admin.headers)
    api.client.post(f"/api/orders/{order['id']}/cancel", headers=customer.headers)

    page = movements(api, admin, book["id"])

    assert [(m["reason"], m["delta"]) for m in page["items"]] == [
        ("cancellation", 2),
        ("adjustment", 7),
        ("order", -2),
        ("initial", 5),
    ]
    assert page["total"] == 4
    assert page["items"][0]["order_id"] == page["items"][2]["order_id"] == order["id"]
    assert page["items"][2]["actor_id"] == customer.user_id
    assert page["items"][3]["actor_id"] == admin.user_id
    assert set(page["items"][0]) == {
        "id", "book_id", "delta", "reason", "order_id", "note", "actor_id", "at",
    }  # fmt: skip
    assert api.client.get(f"/api/books/{book['id']}").json()["stock"] == 12
    second = movements(api, admin, book["id"], page=2, page_size=3)
    assert [m["reason"] for m in second["items"]] == ["initial"]


def test_an_adjustment_is_201_with_the_movement(api: Api, admin: Session) -> None:
    book = api.add_book(admin, stock=5)
    response = adjust(api, admin, book["id"], delta=-2, note="Water damage")
    assert response.status_code == 201, response.text
    movement = response.json()
    assert {k: movement[k] for k in ("book_id", "delta", "reason", "note", "order_id")} == {
        "book_id": book["id"],
        "delta": -2,
        "reason": "adjustment",
        "note": "Water damage",
        "order_id": None,
    }
    assert movement["actor_id"] == admin.user_id
    assert movements(api, admin, book["id"])["items"][0] == movement
    assert api.client.get(f"/api/books/{book['id']}").json()["stock"] == 3


def test_an_adjustment_below_zero_is_insufficient_stock_and_changes_nothing(
    api: Api, admin: Session
) -> None:
    book = api.add_book(admin, title="Emma", stock=2)
    response = adjust(api, admin, book["id"], delta=-3, note="x")
    problem = assert_problem(response, 409, "insufficient-stock")
    assert problem["items"] == [
        {"book_id": book["id"], "title": "Emma", "requested": 3, "available": 2}
    ]
    assert movements(api, admin, book["id"])["total"] == 1
    assert api.client.get(f"/api/books/{book['id']}").json()["stock"] == 2


def test_an_adjustment_needs_a_non_zero_delta_and_a_note(api: Api, admin: Session) -> None:
    book_id = api.add_book(admin)["id"]
    for body, fields in [
        ({"delta": 0, "note": "x"}, {"delta"}),
        ({"delta": 1}, {"note"}),
        ({"delta": 1, "note": ""}, {"note"}),
        ({"delta": 1_000_001, "note": "x"}, {"delta"}),
    ]:
        response = adjust(api, admin, book_id, **body)
        assert error_fields(assert_problem(response, 400, "validation")) == fields, body


def test_a_book_never_catalogued_has_no_movements_but_a_removed_one_keeps_them(
    api: Api, admin: Session
) -> None:
    missing = api.client.get("/api/admin/books/999999/movements", headers=admin.headers)
    assert_problem(missing, 404, "not-found")
    book = api.add_book(admin, stock=4)
    api.client.delete(f"/api/books/{book['id']}", headers=admin.headers)
    assert movements(api, admin, book["id"])["total"] == 1
    assert_problem(adjust(api, admin, book["id"], delta=1, note="x"), 404, "not-found")


def test_reconcile_checks_every_book(api: Api, admin: Session, customer: Session) -> None:
    book = api.add_book(admin, stock=3)
    api.add_book(admin, stock=0)
    api.fill_cart(customer, book["id"], 1)
    api.client.post("/api/orders", headers=customer.headers)

    response = api.client.get("/api/admin/inventory/reconcile", headers=admin.headers)

    assert response.status_code == 200, response.text
    assert response.json() == {"books_checked": 2, "mismatches": []}


def test_low_stock_lists_books_at_or_below_their_threshold(api: Api, admin: Session) -> None:
    plenty = api.add_book(admin, title="Plenty", stock=50)
    low = api.add_book(admin, title="Low", stock=3)
    out = api.add_book(admin, title="Out", stock=0)
    custom = api.add_book(admin, title="Custom", stock=8, low_stock_threshold=10)

    response = api.client.get(
        "/api/admin/inventory/low-stock", params={"page_size": 2}, headers=admin.headers
    )

    assert response.status_code == 200, response.text
    page = response.json()
    assert [b["id"] for b in page["items"]] == [out["id"], low["id"]]
    assert page["total"] == 3
    rest = api.client.get(
        "/api/admin/inventory/low-stock", params={"page": 2, "page_size": 2}, headers=admin.headers
    ).json()
    assert [b["id"] for b in rest["items"]] == [custom["id"]]
    assert plenty["id"] not in {b["id"] for b in page["items"] + rest["items"]}
