"""Admin routes: every user's orders and accounts; disabling, promoting, self-lockout."""

from __future__ import annotations

import uuid

from http_support import PASSWORD, Api, Session, assert_problem, bearer


def _place_order(api: Api, session: Session, book_id: int) -> dict[str, str]:
    api.fill_cart(session, book_id)
    response = api.client.post("/api/orders", headers=session.headers)
    assert response.status_code == 201
    order: dict[str, str] = response.json()
    return order


def test_an_admin_lists_every_users_orders_and_filters_them(api: Api, admin: Session) -> None:
    book = api.add_book(admin, stock=10)
    alice, bob = api.customer(), api.customer()
    first = _place_order(api, alice, book["id"])
    second = _place_order(api, bob, book["id"])

    everyone = api.client.get("/api/admin/orders", headers=admin.headers).json()
    bobs = api.client.get(f"/api/admin/orders?user_id={bob.user_id}", headers=admin.headers)
    placed = api.client.get("/api/admin/orders?status=placed", headers=admin.headers).json()
    shipped = api.client.get("/api/admin/orders?status=shipped", headers=admin.headers).json()

    assert [o["id"] for o in everyone["items"]] == [second["id"], first["id"]]
    assert [o["id"] for o in bobs.json()["items"]] == [second["id"]]
    assert placed["total"] == 2
    assert shipped["total"] == 0


def test_bad_admin_order_filters_are_a_400(api: Api, admin: Session) -> None:
    for query in ("user_id=nope", "status=lost", "page=0"):
        response = api.client.get(f"/api/admin/orders?{query}", headers=admin.headers)
        assert_problem(response, 400, "validation")


def test_an_admin_reads_any_order(api: Api, admin: Session, customer: Session) -> None:
    order = _place_order(api, customer, api.add_book(admin)["id"])

    response = api.client.get(f"/api/admin/orders/{order['id']}", headers=admin.headers)

    assert response.status_code == 200
    assert response.json() == order
    missing = api.client.get(f"/api/admin/orders/{uuid.uuid4()}", headers=admin.headers)
    assert_problem(missing, 404, "not-found")


def test_an_admin_can_do_everything_a_customer_can(api: Api, admin: Session) -> None:
    order = _place_order(api, admin, api.add_book(admin)["id"])

    mine = api.client.get("/api/orders", headers=admin.headers).json()

    assert [o["id"] for o in mine["items"]] == [order["id"]]


def test_customers_get_403_on_admin_routes(api: Api, customer: Session) -> None:
    for path in ("/api/admin/orders", f"/api/admin/orders/{uuid.uuid4()}", "/api/admin/users"):
        assert_problem(api.client.get(path, headers=customer.headers), 403, "forbidden")
    patched = api.client.patch(
        f"/api/admin/users/{customer.user_id}", json={"role": "admin"}, headers=customer.headers
    )
    assert_problem(patched, 403, "forbidden")
    assert api.client.get("/api/users/me", headers=customer.headers).json()["role"] == "customer"


def test_an_admin_lists_users_and_filters_by_email(api: Api, admin: Session) -> None:
    api.register("zed.one@example.com")
    api.register("amy@example.org")

    everyone = api.client.get("/api/admin/users?page_size=100", headers=admin.headers).json()
    zed = api.client.get("/api/admin/users?email=zed.", headers=admin.headers).json()

    assert everyone["total"] == 3
    assert [user["email"] for user in zed["items"]] == ["zed.one@example.com"]
    assert "password" not in str(everyone)
    assert "hash" not in str(everyone)


def test_a_disabled_user_is_locked_out_at_once(api: Api, admin: Session, customer: Session) -> None:
    response = api.client.patch(
        f"/api/admin/users/{customer.user_id}", json={"is_active": False}, headers=admin.headers
    )

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert_problem(api.client.get("/api/users/me", headers=customer.headers), 401, "unauthorized")
    refresh = api.client.post("/api/auth/refresh", json={"refresh_token": customer.refresh_token})
    assert_problem(refresh, 401, "unauthorized")
    login = api.client.post("/api/auth/login", json={"email": customer.email, "password": PASSWORD})
    assert_problem(login, 401, "unauthorized")


def test_a_promoted_user_becomes_admin_on_their_current_token(
    api: Api, admin: Session, customer: Session
) -> None:
    response = api.client.patch(
        f"/api/admin/users/{customer.user_id}", json={"role": "admin"}, headers=admin.headers
    )

    assert response.json()["role"] == "admin"
    assert api.client.get("/api/admin/users", headers=customer.headers).status_code == 200


def test_an_admin_cannot_disable_or_demote_themselves(api: Api, admin: Session) -> None:
    path = f"/api/admin/users/{admin.user_id}"
    for body in ({"is_active": False}, {"role": "customer"}):
        assert_problem(
            api.client.patch(path, json=body, headers=admin.headers), 409, "self-lockout"
        )
    assert api.client.get("/api/users/me", headers=admin.headers).json()["role"] == "admin"


def test_patching_a_user_refuses_unknown_fields_and_bad_values(
    api: Api, admin: Session, customer: Session
) -> None:
    path = f"/api/admin/users/{customer.user_id}"
    for body in ({"email": "x@example.com"}, {"role": "root"}, {"is_active": "yes please"}):
        assert_problem(api.client.patch(path, json=body, headers=admin.headers), 400, "validation")
    missing = api.client.patch(
        f"/api/admin/users/{uuid.uuid4()}", json={"is_active": True}, headers=admin.headers
    )
    assert_problem(missing, 404, "not-found")


def test_a_new_admin_token_works_after_login(api: Api, admin: Session) -> None:
    tokens = api.log_in(admin.email)

    assert api.client.get("/api/admin/users", headers=bearer(tokens["access_token"])).is_success
