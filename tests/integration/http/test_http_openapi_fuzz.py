"""Schemathesis drives every operation from the OpenAPI document, in process: no 5xx, responses
match their schemas and documented statuses, invalid data is refused, and every protected
operation refuses a request without its token or with a bad one (`ignored_auth` sends those
probes to the same app)."""

from __future__ import annotations

from typing import Any

import schemathesis
from http_support import PASSWORD, new_email
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    ignored_auth,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from bookstore.adapters.hashing import FastHasher
from bookstore.application.use_cases.create_admin import CreateAdminCommand
from bookstore.application.use_cases.log_in import LogInCommand
from bookstore.entrypoints.container import Container, create_container
from bookstore.entrypoints.http import create_app
from bookstore.entrypoints.settings import Settings


def _store() -> Container:
    # Limits off: the fuzzer sends hundreds of log-ins and registrations from one address;
    # test_http_limits proves the limits.
    container = create_container(Settings(database_url="memory://", rate_limits="off"))
    container.hasher.override(FastHasher())
    return container


STORE = _store()
ADMIN = new_email("fuzz-admin")
STORE.create_admin()(CreateAdminCommand(ADMIN, PASSWORD))
schema = schemathesis.openapi.from_asgi("/schema/openapi.json", create_app(STORE))

REQUIRED = (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    negative_data_rejection,
    ignored_auth,
)
NOT_CHECKED = [
    # The schema cannot state every domain rule (ISBN check digits, control characters), so a
    # schema-valid body may still be refused.
    positive_data_acceptance,
    # Litestar 2.25's automatic OPTIONS handler lists only some methods of a path when a
    # controller has several handlers on it (the 405 `Allow` header is right).
    allow_header_conformance,
]
assert not set(REQUIRED) & set(NOT_CHECKED)


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_honours_the_document(case: Any) -> None:
    # A fresh admin token per case: a fuzzed log-out revokes the token it was sent with.
    token = STORE.log_in()(LogInCommand(ADMIN, PASSWORD)).access_token

    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"}, excluded_checks=NOT_CHECKED
    )
