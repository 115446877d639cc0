"""Helpers for the HTTP tests: a client on a fresh store, accounts, tokens and books."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from bookstore.application.use_cases.create_admin import CreateAdminCommand
from bookstore.entrypoints.container import Container

PASSWORD = "correct horse battery"
PROBLEM_JSON = "application/problem+json"
_emails = itertools.count(1)


@dataclass(frozen=True)
class Session:
    user_id: str
    email: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.access_token)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_email(prefix: str = "reader") -> str:
    return f"{prefix}{next(_emails)}@example.com"


@dataclass
class Api:
    """A test client on an app, with the container behind it."""

    client: TestClient[Litestar]
    container: Container

    def register(self, email: str | None = None, password: str = PASSWORD) -> dict[str, Any]:
        response = self.client.post(
            "/api/auth/register", json={"email": email or new_email(), "password": password}
        )
        assert response.status_code == 201, response.text
        user: dict[str, Any] = response.json()
        return user

    def log_in(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        response = self.client.post("/api/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        tokens: dict[str, Any] = response.json()
        return tokens

    def customer(self) -> Session:
        user = self.register()
        tokens = self.log_in(user["email"])
        return Session(user["id"], user["email"], tokens["access_token"], tokens["refresh_token"])

    def admin(self) -> Session:
        email = new_email("admin")
        user = self.container.create_admin()(CreateAdminCommand(email, PASSWORD))
        tokens = self.log_in(email)
        return Session(str(user.id), email, tokens["access_token"], tokens["refresh_token"])

    def add_book(self, admin: Session, **fields: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"title": "Dune", "author": "Frank Herbert", "genre": "Fiction"}
        body |= {"price": "12.99", "stock": 10} | fields
        response = self.client.post("/api/books", json=body, headers=admin.headers)
        assert response.status_code == 201, response.text
        book: dict[str, Any] = response.json()
        return book

    def fill_cart(self, session: Session, book_id: int, quantity: int = 1) -> dict[str, Any]:
        response = self.client.post(
            "/api/cart/items",
            json={"book_id": book_id, "quantity": quantity},
            headers=session.headers,
        )
        assert response.status_code == 200, response.text
        cart: dict[str, Any] = response.json()
        return cart


def assert_problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    """The response is an RFC 9457 problem of this status and type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}"
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert "Traceback" not in response.text
    return body


def error_fields(body: dict[str, Any]) -> set[str]:
    return {error["field"] for error in body["errors"]}


AppFactory = Callable[..., Api]
"""Builds the app with the given settings (see the `make_api` fixture)."""
