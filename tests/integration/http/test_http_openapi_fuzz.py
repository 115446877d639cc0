"""Schemathesis drives every operation from the OpenAPI document: no 5xx, responses match
their schemas and documented statuses, and invalid data is refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from http_support import PASSWORD, Api, new_email
from hypothesis import HealthCheck, settings
from litestar.testing import TestClient
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    ignored_auth,
    positive_data_acceptance,
)

from bookstore.adapters.hashing import FastHasher
from bookstore.application.use_cases.create_admin import CreateAdminCommand
from bookstore.entrypoints.container import Container, create_container
from bookstore.entrypoints.http import create_app
from bookstore.entrypoints.settings import Settings


def _store() -> Container:
    container = create_container(Settings(database_url="memory://"))
    container.hasher.override(FastHasher())
    return container


def _document() -> dict[str, Any]:
    with TestClient(create_app(_store())) as client:
        document: dict[str, Any] = client.get("/schema/openapi.json").json()
    return document


schema = schemathesis.openapi.from_dict(_document())

NOT_CHECKED = [
    # The schema cannot state every domain rule (ISBN check digits, control characters), so a
    # schema-valid body may still be refused.
    positive_data_acceptance,
    # Every case carries a valid admin token here; test_http_routes proves that each protected
    # route refuses anonymous callers and customers.
    ignored_auth,
    # Litestar 2.25's automatic OPTIONS handler lists only some methods of a path when a
    # controller has several handlers on it (the 405 `Allow` header is right).
    allow_header_conformance,
]


@pytest.fixture
def fuzzed() -> Iterator[Api]:
    container = _store()
    with TestClient(create_app(container)) as client:
        yield Api(client, container)


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_honours_the_document(case: Any, fuzzed: Api) -> None:
    email = new_email("fuzz-admin")
    fuzzed.container.create_admin()(CreateAdminCommand(email, PASSWORD))
    token = fuzzed.log_in(email)["access_token"]

    request = case.as_transport_kwargs(headers={"Authorization": f"Bearer {token}"})
    response = fuzzed.client.request(**_for_httpx(request))
    case.validate_response(response, excluded_checks=NOT_CHECKED)


def _for_httpx(request: dict[str, Any]) -> dict[str, Any]:
    """Schemathesis speaks `requests`; the Litestar test client speaks httpx."""
    kwargs = {
        k: v for k, v in request.items() if k in {"method", "url", "headers", "params", "json"}
    }
    if isinstance(request.get("data"), bytes | str):
        kwargs["content"] = request["data"]
    elif request.get("data") is not None:
        kwargs["data"] = request["data"]
    return kwargs
