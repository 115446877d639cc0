"""The authorization matrix, generated from the route table: every route x {anonymous,
customer, another customer, admin} → the status the contract gives; mass assignment refused on
every write; no answer ever carries a password hash, a token or another user's data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from http_matrix import (
    ACTORS,
    ADMIN,
    FILE_ROUTES,
    ROUTE_IDS,
    ROUTES,
    SIGNED_ROUTES,
    World,
    app_routes,
    build_world,
    request_schema,
    send,
    snapshot,
    strongest_caller,
)
from http_support import Api, Session, assert_problem, error_fields

HASH_MARKERS = ("$2b$", "$2a$", "$2y$", "fast$", "password_hash")
PROBLEM_SLUGS = {401: "unauthorized", 403: "forbidden", 404: "not-found"}
SNEAKY_FIELDS = {
    "role": "admin",
    "is_active": True,
    "user_id": "00000000-0000-0000-0000-000000000001",
    "id": 1,
    "stock": 999,
    "price": "0.01",
    "status": "paid",
    "total": "0.01",
    "password_hash": "$2b$12$forged",
    "created_at": "2000-01-01T00:00:00Z",
}


@pytest.fixture(scope="module", params=["memory", "sqlite"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    template: Path | None = None
    if request.param == "sqlite":
        template = request.getfixturevalue("migrated_sqlite")
    world, client = build_world(request.param, tmp_path_factory.mktemp("world"), template)
    yield world
    client.__exit__(None, None, None)
    engine = getattr(world.api.container.uow(), "engine", None)
    if engine is not None:
        engine.dispose()


@pytest.fixture(scope="module")
def document(world: World) -> dict[str, Any]:
    response = world.api.client.get("/schema/openapi.json")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def test_every_route_is_in_the_matrix(world: World) -> None:
    assert app_routes(world.api.client) == set(ROUTES)


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_each_kind_of_caller_gets_what_the_contract_says(
    world: World, route: tuple[str, str]
) -> None:
    method, _ = route
    spec = ROUTES[route]

    for actor in ACTORS:
        call = spec.prepare(world, world.session(actor))
        response = send(world, method, call)

        expected = spec.expected[actor]
        assert response.status_code == expected, (actor, call.path, response.text)
        if expected in PROBLEM_SLUGS:
            assert_problem(response, expected, PROBLEM_SLUGS[expected])
        if expected == 401:
            assert response.headers["www-authenticate"] == "Bearer"
        assert_nothing_exposed(world, actor, response)


def assert_nothing_exposed(world: World, actor: str, response: Any) -> None:
    """No password hash anywhere; no other user's email, id or token unless the caller is an
    admin (who reads every account by design)."""
    text = response.text
    for marker in HASH_MARKERS:
        assert marker not in text, (actor, marker)
    if actor == ADMIN:
        return
    me = world.session(actor)
    everyone = [world.admin, world.customer, world.other, world.bystander]
    for someone in everyone:
        if me is not None and someone.user_id == me.user_id:
            continue
        for secret in (someone.email, someone.user_id, someone.access_token, someone.refresh_token):
            assert secret not in text, (actor, "sees data of", someone.email)


def test_another_customers_orders_never_show_in_a_list_whatever_the_query(world: World) -> None:
    other = world.other.headers
    for query in ("", f"?user_id={world.customer.user_id}", "?page_size=100"):
        response = world.api.client.get(f"/api/orders{query}", headers=other)
        assert response.status_code in {200, 400}
        assert world.order_id not in response.text
        assert world.customer.email not in response.text


# -- mass assignment ----------------------------------------------------------------------


WRITES = [
    route
    for route in ROUTES
    if route[0] in {"POST", "PUT", "PATCH"}
    and route not in FILE_ROUTES | SIGNED_ROUTES  # no fields to sneak
]


@pytest.mark.parametrize("route", WRITES, ids=[f"{m} {p}" for m, p in WRITES])
def test_fields_a_write_does_not_take_are_refused_and_change_nothing(
    world: World, document: dict[str, Any], route: tuple[str, str]
) -> None:
    method, path = route
    schema = request_schema(document, method, path)
    assert schema is not None, route
    assert schema.get("additionalProperties") is False, route
    own_fields = set(schema.get("properties", {}))
    sneaky = {name: value for name, value in SNEAKY_FIELDS.items() if name not in own_fields}
    caller = strongest_caller(world, route)
    call = ROUTES[route].prepare(world, caller)
    before = snapshot(world)

    for name, value in sneaky.items():
        response = send(world, method, call, body=(call.body or {}) | {name: value})
        assert name in error_fields(assert_problem(response, 400, "validation")), (route, name)
    everything_at_once = send(world, method, call, body=(call.body or {}) | sneaky)

    assert error_fields(assert_problem(everything_at_once, 400, "validation")) >= set(sneaky)
    assert snapshot(world) == before
    assert_still_valid(world, call.session)


def assert_still_valid(world: World, session: Session | None) -> None:
    """A refused log-out did not end the session it was sent with."""
    if session is not None:
        assert world.api.client.get("/api/users/me", headers=session.headers).status_code == 200


def test_a_customer_cannot_give_themselves_a_role_stock_or_price(world: World) -> None:
    customer = world.customer.headers
    client = world.api.client
    before = snapshot(world)

    attempts = [
        client.patch(
            f"/api/admin/users/{world.customer.user_id}", json={"role": "admin"}, headers=customer
        ),
        client.patch(
            f"/api/books/{world.book_id}", json={"price": "0.01", "stock": 999}, headers=customer
        ),
        client.post("/api/auth/register", json={"email": "x@example.com", "password": "p" * 9,
                                                  "role": "admin", "is_active": True}),
    ]  # fmt: skip

    assert [r.status_code for r in attempts] == [403, 403, 400]
    assert snapshot(world) == before
    assert client.get("/api/users/me", headers=customer).json()["role"] == "customer"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/cart/items", {"book_id": "not a number"}),
        ("PUT", "/api/cart/items/1", {"quantity": -5}),
        ("POST", "/api/orders", {"unexpected": True}),
        ("GET", "/api/orders?page=0", None),
        ("GET", "/api/users/me", None),
        ("POST", "/api/auth/logout", {"refresh_token": 5}),
    ],
)
@pytest.mark.parametrize("token", [None, "Bearer not-a-token", "Basic abc"])
def test_a_signed_in_route_refuses_a_caller_without_a_valid_token_before_reading_the_request(
    api: Api, method: str, path: str, body: Any, token: str | None
) -> None:
    """401, never a 400 about the request: nothing of it is looked at for a stranger."""
    headers = {"Authorization": token} if token else {}
    response = api.client.request(method, path, json=body, headers=headers)

    assert_problem(response, 401, "unauthorized")
