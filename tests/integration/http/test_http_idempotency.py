"""`Idempotency-Key` on POST /api/orders: a retry answers the first order and places nothing."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from http_support import Api, AppFactory, Session, assert_problem, error_fields


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


def test_twenty_concurrent_requests_with_one_key_place_exactly_one_order(
    api: Api, admin: Session, customer: Session
) -> None:
    book = api.add_book(admin, stock=50)
    api.fill_cart(customer, book["id"], 3)

    with ThreadPoolExecutor(20) as pool:
        responses = list(
            pool.map(
                lambda _: api.client.post("/api/orders", headers=_keyed(customer, "storm")),
                range(20),
            )
        )

    # The claim is taken in the order's transaction, so the others wait and replay it.
    assert [r.status_code for r in responses] == [201] * 20
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum("idempotent-replayed" not in r.headers for r in responses) == 1
    assert api.client.get("/api/orders", headers=customer.headers).json()["total"] == 1
    assert api.client.get(f"/api/books/{book['id']}").json()["stock"] == 47


def test_a_replay_answers_the_first_order_whatever_the_cart_holds_now(
    api: Api, admin: Session, customer: Session
) -> None:
    book = api.add_book(admin, stock=10)
    api.fill_cart(customer, book["id"], 1)
    first = api.client.post("/api/orders", headers=_keyed(customer, "k"))
    api.fill_cart(customer, book["id"], 4)

    retry = api.client.post("/api/orders", headers=_keyed(customer, "k"))

    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.json()["items"][0]["quantity"] == 1
    assert api.client.get("/api/cart", headers=customer.headers).json()["total_quantity"] == 4
    assert api.client.get(f"/api/books/{book['id']}").json()["stock"] == 9


def test_a_refused_key_changes_nothing(api: Api, admin: Session, customer: Session) -> None:
    book = api.add_book(admin, stock=10)
    api.fill_cart(customer, book["id"], 2)
    api.client.post("/api/orders", headers=_keyed(customer, "k"))
    api.fill_cart(customer, book["id"], 1)

    mismatch = api.client.post("/api/orders", json={"x": 1}, headers=_keyed(customer, "k"))
    too_long = api.client.post("/api/orders", headers=_keyed(customer, "k" * 256))

    assert_problem(mismatch, 422, "idempotency-mismatch")
    assert_problem(too_long, 400, "validation")
    assert api.client.get("/api/orders", headers=customer.headers).json()["total"] == 1
    assert api.client.get("/api/cart", headers=customer.headers).json()["total_quantity"] == 1
    assert api.client.get(f"/api/books/{book['id']}").json()["stock"] == 8


def test_another_users_identical_key_places_their_own_order(
    api: Api, admin: Session, customer: Session
) -> None:
    book = api.add_book(admin, stock=10)
    other = api.customer()
    api.fill_cart(customer, book["id"], 1)
    api.fill_cart(other, book["id"], 2)

    mine = api.client.post("/api/orders", headers=_keyed(customer, "same-key"))
    theirs = api.client.post("/api/orders", headers=_keyed(other, "same-key"))

    assert mine.status_code == theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert theirs.json()["id"] != mine.json()["id"]
    assert theirs.json()["items"][0]["quantity"] == 2
    leaked = api.client.get(f"/api/orders/{mine.json()['id']}", headers=other.headers)
    assert_problem(leaked, 404, "not-found")


def test_a_retry_reaching_another_process_replays_the_first_order(
    make_api: AppFactory, migrated_sqlite: Path, tmp_path: Path
) -> None:
    shared = tmp_path / "shared.db"
    shutil.copyfile(migrated_sqlite, shared)
    one, two = (
        make_api(database_url=f"sqlite:///{shared}"),
        make_api(database_url=f"sqlite:///{shared}"),
    )
    admin, customer = one.admin(), one.customer()
    one.fill_cart(customer, one.add_book(admin)["id"])

    first = one.client.post("/api/orders", headers=_keyed(customer, "across"))
    retry = two.client.post("/api/orders", headers=_keyed(customer, "across"))

    assert retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
