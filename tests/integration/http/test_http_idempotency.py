"""`Idempotency-Key` on POST /api/orders: a retry answers the first order and places nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from http_support import Api, Session, assert_problem, error_fields


def _keyed(session: Session, key: str) -> dict[str, str]:
    return session.headers | {"Idempotency-Key": key}


def test_a_retry_with_the_same_key_replays_the_first_order(
    api: Api, admin: Session, customer: Session
) -> None:
    book = api.add_book(admin, stock=5)
    api.fill_cart(customer, book["id"], 2)

    first = api.client.post("/api/orders", headers=_keyed(customer, "order-1"))
    retry = api.client.post("/api/orders", headers=_keyed(customer, "order-1"))

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["location"] == first.headers["location"]
    assert retry.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert api.client.get("/api/orders", headers=customer.headers).json()["total"] == 1
    assert api.client.get(f"/api/books/{book['id']}").json()["stock"] == 3


def test_no_body_and_an_empty_object_are_the_same_request(
    api: Api, admin: Session, customer: Session
) -> None:
    api.fill_cart(customer, api.add_book(admin)["id"])

    first = api.client.post("/api/orders", headers=_keyed(customer, "k"))
    retry = api.client.post("/api/orders", json={}, headers=_keyed(customer, "k"))

    assert retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"]


def test_the_same_key_with_another_body_is_a_422_before_the_body_is_validated(
    api: Api, admin: Session, customer: Session
) -> None:
    api.fill_cart(customer, api.add_book(admin)["id"])
    api.client.post("/api/orders", json={}, headers=_keyed(customer, "k"))

    response = api.client.post(
        "/api/orders", json={"coupon": "SPRING"}, headers=_keyed(customer, "k")
    )

    assert_problem(response, 422, "idempotency-mismatch")


def test_keys_belong_to_one_user(api: Api, admin: Session, customer: Session) -> None:
    api.fill_cart(customer, api.add_book(admin)["id"])
    api.client.post("/api/orders", headers=_keyed(customer, "shared"))
    other = api.customer()

    response = api.client.post("/api/orders", headers=_keyed(other, "shared"))

    assert_problem(response, 409, "empty-cart")


def test_a_failed_attempt_leaves_the_key_free(api: Api, admin: Session, customer: Session) -> None:
    failed = api.client.post("/api/orders", headers=_keyed(customer, "again"))
    api.fill_cart(customer, api.add_book(admin)["id"])

    response = api.client.post("/api/orders", headers=_keyed(customer, "again"))

    assert_problem(failed, 409, "empty-cart")
    assert response.status_code == 201
    assert "idempotent-replayed" not in response.headers


@pytest.mark.parametrize(
    "key", [b"", b"k" * 256, "clé".encode("latin-1")], ids=["empty", "long", "latin-1"]
)
def test_a_malformed_key_is_a_400(api: Api, customer: Session, key: bytes) -> None:
    headers = {name.encode(): value.encode() for name, value in customer.headers.items()}
    headers[b"Idempotency-Key"] = key

    response = api.client.post("/api/orders", headers=headers)

    assert error_fields(assert_problem(response, 400, "validation")) == {"Idempotency-Key"}


def test_concurrent_retries_place_one_order(api: Api, admin: Session, customer: Session) -> None:
    book = api.add_book(admin, stock=50)
    api.fill_cart(customer, book["id"], 3)

    with ThreadPoolExecutor(10) as pool:
        responses = list(
            pool.map(
                lambda _: api.client.post("/api/orders", headers=_keyed(customer, "storm")),
                range(10),
            )
        )

    placed = [r for r in responses if r.status_code == 201]
    assert {r.status_code for r in responses} <= {201, 409}
    assert len({r.json()["id"] for r in placed}) == 1
    assert sum("idempotent-replayed" not in r.headers for r in placed) == 1
    assert api.client.get(f"/api/books/{book['id']}").json()["stock"] == 47
