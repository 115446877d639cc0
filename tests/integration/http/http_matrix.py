"""The route table as test data: for every route, a valid request any caller can send, and the
status each kind of caller must get. The authorization matrix, the mass-assignment probes and
the bad-input sweep are all generated from it.

A route missing from `ROUTES` fails `test_every_route_is_in_the_matrix`: deny by default, a new
route is untested until someone states who may call it.
"""

from __future__ import annotations

import itertools
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from http_support import PASSWORD, Api, Session, new_email
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from bookstore.adapters.hashing import FastHasher
from bookstore.entrypoints.container import create_container
from bookstore.entrypoints.http import create_app
from bookstore.entrypoints.settings import Settings

ANONYMOUS, CUSTOMER, OTHER, ADMIN = "anonymous", "customer", "another customer", "admin"
ACTORS = (ANONYMOUS, CUSTOMER, OTHER, ADMIN)

# The matrix sends far more log-ins and orders than a person would: limits are set out of the
# way (their code still runs); test_http_limits proves them.
GENEROUS_LIMITS = {
    "login_failures_per_minute": 100_000,
    "login_failures_per_address_per_minute": 100_000,
    "registrations_per_hour": 100_000,
    "orders_per_minute": 100_000,
}

_titles = itertools.count(1)


@dataclass
class World:
    """One store with an admin, a customer who owns an order, another customer, a bystander
    account (for log-in and refresh), and a book in plenty."""

    api: Api
    admin: Session
    customer: Session
    other: Session
    bystander: Session
    book_id: int
    order_id: str
    users: dict[str, Session] = field(init=False)

    def __post_init__(self) -> None:
        self.users = {CUSTOMER: self.customer, OTHER: self.other, ADMIN: self.admin}

    def session(self, actor: str) -> Session | None:
        return self.users.get(actor)

    def fresh_session(self, session: Session) -> Session:
        """Another log-in of the same account: a token the test may spend (log-out)."""
        tokens = self.api.log_in(session.email)
        return Session(
            session.user_id, session.email, tokens["access_token"], tokens["refresh_token"]
        )

    def new_book(self, **fields: Any) -> int:
        book = self.api.add_book(self.admin, title=f"Matrix book {next(_titles)}", **fields)
        book_id: int = book["id"]
        return book_id

    def fill_cart(self, session: Session | None, quantity: int = 1) -> None:
        if session is not None:
            self.api.fill_cart(session, self.book_id, quantity)


def build_world(database: str, tmp: Path, template: Path | None) -> tuple[World, TestClient[Any]]:
    if database == "memory":
        url = "memory://"
    else:
        assert template is not None
        shutil.copyfile(template, tmp / "world.db")
        url = f"sqlite:///{tmp / 'world.db'}"
    container = create_container(Settings(database_url=url, bcrypt_rounds=4, **GENEROUS_LIMITS))
    container.hasher.override(FastHasher())
    client = TestClient(create_app(container), raise_server_exceptions=False)
    client.__enter__()
    api = Api(client, container)
    admin, customer, other, bystander = api.admin(), api.customer(), api.customer(), api.customer()
    book_id = api.add_book(admin, title="Matrix stock", stock=1_000_000)["id"]
    api.fill_cart(customer, book_id)
    order = client.post("/api/orders", headers=customer.headers)
    assert order.status_code == 201, order.text
    world = World(api, admin, customer, other, bystander, book_id, order.json()["id"])
    return world, client


@dataclass(frozen=True)
class Call:
    path: str
    body: dict[str, Any] | None = None
    session: Session | None = None
    """Whose token goes with the request (None: no token)."""
    form: bool = False
    """The body goes urlencoded (the OAuth2 form), not as JSON."""
    csv: bytes | None = None
    """A CSV file sent as the body (the catalogue import), instead of JSON."""

    @property
    def headers(self) -> dict[str, str]:
        return self.session.headers if self.session else {}


Prepare = Callable[[World, Session | None], Call]


@dataclass(frozen=True)
class Spec:
    prepare: Prepare
    expected: dict[str, int]


def public(status: int) -> dict[str, int]:
    return dict.fromkeys(ACTORS, status)


def users(status: int) -> dict[str, int]:
    return {ANONYMOUS: 401, CUSTOMER: status, OTHER: status, ADMIN: status}


def admins(status: int) -> dict[str, int]:
    return {ANONYMOUS: 401, CUSTOMER: 403, OTHER: 403, ADMIN: status}


def owner(status: int) -> dict[str, int]:
    """The customer's own resource: the other customer must not learn it exists."""
    return {ANONYMOUS: 401, CUSTOMER: status, OTHER: 404, ADMIN: status}


def _as_is(path: str, body: dict[str, Any] | None = None) -> Prepare:
    return lambda world, session: Call(path, body, session)


def _register(world: World, session: Session | None) -> Call:
    return Call("/api/auth/register", {"email": new_email(), "password": PASSWORD}, session)


def _log_in(world: World, session: Session | None) -> Call:
    body = {"email": world.bystander.email, "password": PASSWORD}
    return Call("/api/auth/login", body, session)


def _token(world: World, session: Session | None) -> Call:
    body = {"username": world.bystander.email, "password": PASSWORD}
    return Call("/api/auth/token", body, session, form=True)


def _refresh(world: World, session: Session | None) -> Call:
    token = world.fresh_session(world.bystander).refresh_token
    return Call("/api/auth/refresh", {"refresh_token": token}, session)


def _log_out(world: World, session: Session | None) -> Call:
    spent = world.fresh_session(session) if session else None
    return Call("/api/auth/logout", {"refresh_token": spent.refresh_token} if spent else {}, spent)


def _book(world: World, session: Session | None) -> Call:
    return Call(f"/api/books/{world.book_id}", None, session)


def _create_book(world: World, session: Session | None) -> Call:
    body = {"title": f"Matrix new {next(_titles)}", "author": "A. Author", "genre": "Tests"}
    return Call("/api/books", body | {"price": "9.99", "stock": 3}, session)


def _patch_book(world: World, session: Session | None) -> Call:
    return Call(f"/api/books/{world.new_book()}", {"stock": 7, "price": "5.00"}, session)


def _delete_book(world: World, session: Session | None) -> Call:
    return Call(f"/api/books/{world.new_book()}", None, session)


def _cart_item(world: World, session: Session | None) -> Call:
    return Call(f"/api/cart/items/{world.book_id}", {"quantity": 1}, session)


def _cart_line(world: World, session: Session | None) -> Call:
    world.fill_cart(session)
    return Call(f"/api/cart/items/{world.book_id}", None, session)


def _add_item(world: World, session: Session | None) -> Call:
    return Call("/api/cart/items", {"book_id": world.book_id, "quantity": 1}, session)


def _place_order(world: World, session: Session | None) -> Call:
    world.fill_cart(session)
    return Call("/api/orders", {}, session)


def _customers_order(world: World, session: Session | None) -> Call:
    return Call(f"/api/orders/{world.order_id}", None, session)


def _any_order(world: World, session: Session | None) -> Call:
    return Call(f"/api/admin/orders/{world.order_id}", None, session)


def _new_order(world: World) -> str:
    """A new order of the customer's (so that each caller may move it once)."""
    world.fill_cart(world.customer)
    order = world.api.client.post("/api/orders", headers=world.customer.headers)
    assert order.status_code == 201, order.text
    order_id: str = order.json()["id"]
    return order_id


def _cancel_order(world: World, session: Session | None) -> Call:
    return Call(f"/api/orders/{_new_order(world)}/cancel", {"reason": "Matrix"}, session)


def _order_status(world: World, session: Session | None) -> Call:
    return Call(f"/api/admin/orders/{_new_order(world)}/status", {"status": "paid"}, session)


def _pay_order(world: World, session: Session | None) -> Call:
    body = {"payment_method": "pm_card_visa"}
    return Call(f"/api/orders/{_new_order(world)}/payments", body, session)


def _payments(world: World, session: Session | None) -> Call:
    return Call(f"/api/orders/{world.order_id}/payments", None, session)


def _unsigned_webhook(world: World, session: Session | None) -> Call:
    return Call("/api/payments/webhook", {"id": "evt_matrix"}, session)


def _movements(world: World, session: Session | None) -> Call:
    return Call(f"/api/admin/books/{world.book_id}/movements", None, session)


def _adjust_stock(world: World, session: Session | None) -> Call:
    body = {"delta": 2, "note": "Matrix count"}
    return Call(f"/api/admin/books/{world.new_book()}/stock-adjustments", body, session)


def _import_books(world: World, session: Session | None) -> Call:
    row = f"Matrix import {next(_titles)},Author,Genre,1.00,1,\n"
    return Call("/api/admin/books/import", None, session, csv=f"{_CSV_HEADER}\n{row}".encode())


_CSV_HEADER = "title,author,genre,price,stock,isbn"


def _new_webhook(world: World, events: list[str] | None = None) -> str:
    body = {"url": "https://hooks.example.com/matrix", "events": events or ["order.paid"]}
    made = world.api.client.post("/api/admin/webhooks", json=body, headers=world.admin.headers)
    assert made.status_code == 201, made.text
    endpoint_id: str = made.json()["id"]
    return endpoint_id


def _create_webhook(world: World, session: Session | None) -> Call:
    body = {"url": "https://hooks.example.com/matrix", "events": ["order.paid"]}
    return Call("/api/admin/webhooks", body, session)


def _webhook(world: World, session: Session | None) -> Call:
    return Call(f"/api/admin/webhooks/{_new_webhook(world)}", None, session)


def _patch_webhook(world: World, session: Session | None) -> Call:
    return Call(f"/api/admin/webhooks/{_new_webhook(world)}", {"active": False}, session)


def _webhook_deliveries(world: World, session: Session | None) -> Call:
    return Call(f"/api/admin/webhooks/{_new_webhook(world)}/deliveries", None, session)


def _retry_delivery(world: World, session: Session | None) -> Call:
    """A pending delivery: the event fanned out, not sent (nothing leaves the test)."""
    endpoint_id = _new_webhook(world, ["order.placed"])
    _new_order(world)
    world.api.container.deliver_events().fan_out()
    listed = world.api.client.get(
        f"/api/admin/webhooks/{endpoint_id}/deliveries", headers=world.admin.headers
    )
    delivery_id = listed.json()["items"][0]["id"]
    return Call(f"/api/admin/webhooks/deliveries/{delivery_id}/retry", None, session)


def _waitlist(world: World, session: Session | None) -> Call:
    return Call(f"/api/books/{world.new_book(stock=0)}/waitlist", None, session)


def _patch_user(world: World, session: Session | None) -> Call:
    return Call(f"/api/admin/users/{world.customer.user_id}", {"is_active": True}, session)


def _new_coupon(world: World) -> str:
    """A coupon anyone may put in any cart, any number of times."""
    code = f"MATRIX-{next(_titles)}"
    body = {
        "code": code,
        "kind": "percent",
        "value": 10,
        "exclusive": False,
        "max_uses_per_customer": None,
    }
    created = world.api.client.post("/api/admin/coupons", json=body, headers=world.admin.headers)
    assert created.status_code == 201, created.text
    return code


def _create_coupon(world: World, session: Session | None) -> Call:
    body = {"code": f"matrix-new-{next(_titles)}", "kind": "fixed", "value": "5.00"}
    return Call("/api/admin/coupons", body, session)


def _coupon(world: World, session: Session | None) -> Call:
    return Call(f"/api/admin/coupons/{_new_coupon(world)}", None, session)


def _patch_coupon(world: World, session: Session | None) -> Call:
    return Call(f"/api/admin/coupons/{_new_coupon(world)}", {"value": 15}, session)


def _apply_coupon(world: World, session: Session | None) -> Call:
    world.fill_cart(session)
    return Call("/api/cart/coupons", {"code": _new_coupon(world).lower()}, session)


def _cart_coupon(world: World, session: Session | None) -> Call:
    code = _new_coupon(world)
    world.fill_cart(session)
    if session is not None:
        applied = world.api.client.post(
            "/api/cart/coupons", json={"code": code}, headers=session.headers
        )
        assert applied.status_code == 200, applied.text
    return Call(f"/api/cart/coupons/{code}", None, session)


def _bought_book(world: World, session: Session | None) -> int:
    """A new book; the session's user (if any) bought it, paid."""
    book_id = world.new_book()
    if session is not None:
        world.api.fill_cart(session, book_id)
        order = world.api.client.post("/api/orders", headers=session.headers)
        assert order.status_code == 201, order.text
        path = f"/api/admin/orders/{order.json()['id']}/status"
        paid = world.api.client.post(path, json={"status": "paid"}, headers=world.admin.headers)
        assert paid.status_code == 200, paid.text
    return book_id


def _reviewed_book(world: World, session: Session | None) -> tuple[int, str]:
    """A new book the session's user (the customer, without one) bought and reviewed."""
    reviewer = session or world.customer
    book_id = _bought_book(world, reviewer)
    path = f"/api/books/{book_id}/reviews"
    review = world.api.client.post(path, json={"rating": 4}, headers=reviewer.headers)
    assert review.status_code == 201, review.text
    return book_id, review.json()["id"]


def _reviews(world: World, session: Session | None) -> Call:
    return Call(f"/api/books/{world.book_id}/reviews", None, session)


def _also_bought(world: World, session: Session | None) -> Call:
    return Call(f"/api/books/{world.book_id}/also-bought", None, session)


def _review_book(world: World, session: Session | None) -> Call:
    body = {"rating": 5, "title": "Matrix"}
    return Call(f"/api/books/{_bought_book(world, session)}/reviews", body, session)


def _my_review(world: World, session: Session | None) -> Call:
    book_id, _ = _reviewed_book(world, session)
    return Call(f"/api/books/{book_id}/reviews/mine", {"rating": 2}, session)


def _my_review_gone(world: World, session: Session | None) -> Call:
    book_id, _ = _reviewed_book(world, session)
    return Call(f"/api/books/{book_id}/reviews/mine", None, session)


def _any_review(world: World, session: Session | None) -> Call:
    _, review_id = _reviewed_book(world, None)
    return Call(f"/api/admin/reviews/{review_id}", None, session)


ROUTES: dict[tuple[str, str], Spec] = {
    ("POST", "/api/auth/register"): Spec(_register, public(201)),
    ("POST", "/api/auth/login"): Spec(_log_in, public(200)),
    ("POST", "/api/auth/token"): Spec(_token, public(200)),
    ("POST", "/api/auth/refresh"): Spec(_refresh, public(200)),
    ("POST", "/api/auth/logout"): Spec(_log_out, users(204)),
    ("GET", "/api/users/me"): Spec(_as_is("/api/users/me"), users(200)),
    ("GET", "/api/books"): Spec(_as_is("/api/books"), public(200)),
    ("GET", "/api/books/{book_id:int}"): Spec(_book, public(200)),
    ("POST", "/api/books"): Spec(_create_book, admins(201)),
    ("PATCH", "/api/books/{book_id:int}"): Spec(_patch_book, admins(200)),
    ("DELETE", "/api/books/{book_id:int}"): Spec(_delete_book, admins(204)),
    ("GET", "/api/cart"): Spec(_as_is("/api/cart"), users(200)),
    ("DELETE", "/api/cart"): Spec(_as_is("/api/cart"), users(204)),
    ("POST", "/api/cart/items"): Spec(_add_item, users(200)),
    ("PUT", "/api/cart/items/{book_id:int}"): Spec(_cart_item, users(200)),
    ("DELETE", "/api/cart/items/{book_id:int}"): Spec(_cart_line, users(200)),
    ("POST", "/api/orders"): Spec(_place_order, users(201)),
    ("GET", "/api/orders"): Spec(_as_is("/api/orders"), users(200)),
    ("GET", "/api/orders/{order_id:uuid}"): Spec(_customers_order, owner(200)),
    ("POST", "/api/orders/{order_id:uuid}/cancel"): Spec(_cancel_order, owner(200)),
    # Only the owner pays an order (an admin records a payment taken elsewhere instead).
    ("POST", "/api/orders/{order_id:uuid}/payments"): Spec(
        _pay_order, {ANONYMOUS: 401, CUSTOMER: 201, OTHER: 404, ADMIN: 404}
    ),
    ("GET", "/api/orders/{order_id:uuid}/payments"): Spec(_payments, owner(200)),
    # Signed by the provider, not a user: no token needed, none helps.
    ("POST", "/api/payments/webhook"): Spec(_unsigned_webhook, public(400)),
    ("GET", "/api/admin/orders"): Spec(_as_is("/api/admin/orders"), admins(200)),
    ("GET", "/api/admin/orders/{order_id:uuid}"): Spec(_any_order, admins(200)),
    ("POST", "/api/admin/orders/{order_id:uuid}/status"): Spec(_order_status, admins(200)),
    ("GET", "/api/admin/books/{book_id:int}/movements"): Spec(_movements, admins(200)),
    ("POST", "/api/admin/books/{book_id:int}/stock-adjustments"): Spec(_adjust_stock, admins(201)),
    ("GET", "/api/admin/inventory/reconcile"): Spec(
        _as_is("/api/admin/inventory/reconcile"), admins(200)
    ),
    ("GET", "/api/admin/inventory/low-stock"): Spec(
        _as_is("/api/admin/inventory/low-stock"), admins(200)
    ),
    ("POST", "/api/admin/books/import"): Spec(_import_books, admins(200)),
    ("GET", "/api/admin/books/export"): Spec(_as_is("/api/admin/books/export"), admins(200)),
    ("GET", "/api/admin/users"): Spec(_as_is("/api/admin/users"), admins(200)),
    ("PATCH", "/api/admin/users/{user_id:uuid}"): Spec(_patch_user, admins(200)),
    ("POST", "/api/admin/coupons"): Spec(_create_coupon, admins(201)),
    ("GET", "/api/admin/coupons"): Spec(_as_is("/api/admin/coupons"), admins(200)),
    ("GET", "/api/admin/coupons/{code:str}"): Spec(_coupon, admins(200)),
    ("PATCH", "/api/admin/coupons/{code:str}"): Spec(_patch_coupon, admins(200)),
    ("DELETE", "/api/admin/coupons/{code:str}"): Spec(_coupon, admins(204)),
    ("POST", "/api/cart/coupons"): Spec(_apply_coupon, users(200)),
    ("DELETE", "/api/cart/coupons/{code:str}"): Spec(_cart_coupon, users(200)),
    # Events (§14): webhooks are the admins'; the waitlist is every signed-in customer's.
    ("POST", "/api/admin/webhooks"): Spec(_create_webhook, admins(201)),
    ("GET", "/api/admin/webhooks"): Spec(_as_is("/api/admin/webhooks"), admins(200)),
    ("GET", "/api/admin/webhooks/{endpoint_id:uuid}"): Spec(_webhook, admins(200)),
    ("PATCH", "/api/admin/webhooks/{endpoint_id:uuid}"): Spec(_patch_webhook, admins(200)),
    ("DELETE", "/api/admin/webhooks/{endpoint_id:uuid}"): Spec(_webhook, admins(204)),
    ("GET", "/api/admin/webhooks/{endpoint_id:uuid}/deliveries"): Spec(
        _webhook_deliveries, admins(200)
    ),
    ("POST", "/api/admin/webhooks/deliveries/{delivery_id:int}/retry"): Spec(
        _retry_delivery, admins(202)
    ),
    ("POST", "/api/books/{book_id:int}/waitlist"): Spec(_waitlist, users(201)),
    ("DELETE", "/api/books/{book_id:int}/waitlist"): Spec(_waitlist, users(204)),
    ("GET", "/api/users/me/waitlist"): Spec(_as_is("/api/users/me/waitlist"), users(200)),
    # §15
    ("GET", "/api/books/{book_id:int}/reviews"): Spec(_reviews, public(200)),
    ("POST", "/api/books/{book_id:int}/reviews"): Spec(_review_book, users(201)),
    ("PUT", "/api/books/{book_id:int}/reviews/mine"): Spec(_my_review, users(200)),
    ("DELETE", "/api/books/{book_id:int}/reviews/mine"): Spec(_my_review_gone, users(204)),
    ("DELETE", "/api/admin/reviews/{review_id:uuid}"): Spec(_any_review, admins(204)),
    ("GET", "/api/books/{book_id:int}/also-bought"): Spec(_also_bought, public(200)),
    ("GET", "/api/users/me/recommendations"): Spec(
        _as_is("/api/users/me/recommendations"), users(200)
    ),
    ("GET", "/health/live"): Spec(_as_is("/health/live"), public(200)),
    ("GET", "/health/ready"): Spec(_as_is("/health/ready"), public(200)),
}
ROUTE_IDS = [f"{method} {path}" for method, path in ROUTES]


def app_routes(client: TestClient[Any]) -> set[tuple[str, str]]:
    """(method, path) of every route of the app, the docs and their assets aside."""
    return {
        (method, route.path)
        for route in client.app.routes
        if isinstance(route, HTTPRoute) and not route.path.startswith("/schema")
        for method in route.methods - {"OPTIONS", "HEAD"}
    }


def send(world: World, method: str, call: Call, body: Any = ..., **headers: str) -> Any:
    """The call, with its body (or another), as JSON (or as a form, for the form route)."""
    payload = call.body if body is ... else body
    headers = call.headers | headers
    if call.form:
        return world.api.client.request(method, call.path, data=payload, headers=headers)
    if call.csv is not None and body is ...:
        headers = headers | {"content-type": "text/csv"}
        return world.api.client.request(method, call.path, content=call.csv, headers=headers)
    return world.api.client.request(method, call.path, json=payload, headers=headers)


def openapi_path(path: str) -> str:
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


FORM_ROUTES = frozenset({("POST", "/api/auth/token")})
SIGNED_ROUTES = frozenset({("POST", "/api/payments/webhook")})
"""Routes whose body is a provider's signed event, read as bytes: the signature, not a schema,
decides (it may carry fields added since); test_http_payments covers them."""


def strongest_caller(world: World, route: tuple[str, str]) -> Session | None:
    """The most powerful caller the route serves (an order is paid by its owner alone), so
    that a refusal is about the request, not about who asks."""
    expected = ROUTES[route].expected
    allowed = [actor for actor in (ADMIN, CUSTOMER) if expected[actor] < 400]
    return world.session(allowed[0]) if allowed else None


"""Routes whose body is a urlencoded form (the OAuth2 password form), not JSON."""
FILE_ROUTES = frozenset({("POST", "/api/admin/books/import")})
"""Routes whose body is a file (the catalogue's CSV), not JSON: its rows, limits and media
type are tested in test_http_catalogue_file."""


def request_schema(document: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    """The body schema (JSON, or a form) of an operation, its reference resolved; None without
    a body."""
    operation = document["paths"][openapi_path(path)][method.lower()]
    media = operation.get("requestBody", {}).get("content", {})
    content = media.get("application/json") or media.get("application/x-www-form-urlencoded")
    if content is None:
        return None
    schema: dict[str, Any] = content["schema"]
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def snapshot(world: World) -> dict[str, Any]:
    """Everything a request could change, read through the API as the admin."""
    headers = world.admin.headers
    client = world.api.client

    def every(path: str) -> list[Any]:
        items: list[Any] = []
        for page in itertools.count(1):
            response = client.get(f"{path}?page={page}&page_size=100", headers=headers)
            assert response.status_code == 200, response.text
            items += response.json()["items"]
            if len(items) >= response.json()["total"]:
                return items
        raise AssertionError  # pragma: no cover

    return {
        "books": every("/api/books"),
        "users": every("/api/admin/users"),
        "orders": every("/api/admin/orders"),
        "carts": {
            actor: client.get("/api/cart", headers=session.headers).json()
            for actor, session in world.users.items()
        },
        "sessions": {
            actor: client.get("/api/users/me", headers=session.headers).status_code
            for actor, session in world.users.items()
        },
    }
