"""One error shape for every failure, and no 500 for bad input; request ids and access logs."""

from __future__ import annotations

import logging
import re
from typing import Any, NoReturn

import pytest
from dependency_injector import providers
from http_support import PASSWORD, Api, AppFactory, Session, assert_problem, error_fields, new_email

from bookstore.application.ports import StorageUnavailable


def test_an_unknown_route_is_a_404_problem(api: Api) -> None:
    assert_problem(api.client.get("/api/nowhere"), 404, "not-found")
    assert_problem(api.client.get("/"), 404, "not-found")


def test_a_wrong_method_is_a_405_problem_with_allow(api: Api) -> None:
    response = api.client.put("/api/auth/login", json={})

    assert_problem(response, 405, "method-not-allowed")
    assert "POST" in response.headers["allow"]


def test_a_body_over_the_limit_is_a_413(make_api: AppFactory) -> None:
    api = make_api(max_body_bytes=1024)
    body = {"email": "a@example.com", "password": PASSWORD, "full_name": "x" * 2000}

    response = api.client.post("/api/auth/register", json=body)

    assert_problem(response, 413, "payload-too-large")


def test_the_default_limit_is_one_mebibyte(api: Api) -> None:
    response = api.client.post(
        "/api/auth/login",
        content=b'{"email": "' + b"a" * (1024 * 1024) + b'"}',
        headers={"content-type": "application/json"},
    )

    assert_problem(response, 413, "payload-too-large")


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b'{"email": "a@example.com", "password": ',
        b"[" * 1000 + b"]" * 1000,
        b'{"a":' * 5000 + b"1" + b"}" * 5000,
        b'{"email": "\xff\xfe@example.com", "password": "correct horse"}',
        b"null",
        b"[]",
        b'"just a string"',
        b'{"email": 1e999999999, "password": -1e-999999999}',
        b'{"email": ' + b"9" * 5000 + b"}",
    ],
    ids=[
        "malformed",
        "truncated",
        "deep-array",
        "deep-object",
        "bad-utf8",
        "null",
        "array",
        "str",
        "huge-exponents",
        "huge-integer",
    ],
)
def test_unreadable_bodies_are_a_400_never_a_500(api: Api, content: bytes) -> None:
    response = api.client.post(
        "/api/auth/register", content=content, headers={"content-type": "application/json"}
    )

    body = assert_problem(response, 400, "validation")
    assert body["errors"]


def test_a_missing_body_is_a_400(api: Api) -> None:
    response = api.client.post("/api/auth/register")

    assert error_fields(assert_problem(response, 400, "validation")) == {"body"}


def test_a_non_json_content_type_is_a_415(api: Api) -> None:
    response = api.client.post(
        "/api/auth/register",
        content=b'{"email": "a@example.com", "password": "correct horse"}',
        headers={"content-type": "text/plain"},
    )

    assert_problem(response, 415, "unsupported-media-type")


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "application/merge-patch+json", None]
)
def test_json_with_a_charset_a_json_suffix_or_no_content_type_is_read(
    api: Api, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    body = b'{"email": "%s", "password": "correct horse"}' % new_email().encode()

    response = api.client.post("/api/auth/register", content=body, headers=headers)

    assert response.status_code == 201, response.text


class _Exploding:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def __call__(self, *_: Any) -> NoReturn:
        raise self.error


def test_a_bug_is_a_generic_500_without_a_trace(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    secret = "SELECT password_hash FROM users -- secret"
    api.container.search_books.override(providers.Object(_Exploding(RuntimeError(secret))))

    with caplog.at_level(logging.ERROR, logger="bookstore.http"):
        response = api.client.get("/api/books")

    body = assert_problem(response, 500, "internal")
    assert secret not in response.text
    assert "RuntimeError" not in response.text
    assert response.headers["x-request-id"] in body["detail"]
    assert any(secret in (record.exc_text or "") or record.exc_info for record in caplog.records)


def test_an_unreachable_database_is_a_503(api: Api) -> None:
    locked = StorageUnavailable("OperationalError: database is locked")
    api.container.search_books.override(providers.Object(_Exploding(locked)))

    response = api.client.get("/api/books")

    assert_problem(response, 503, "service-unavailable")
    assert response.headers["retry-after"]
    assert "SELECT" not in response.text
    assert "locked" not in response.text


def test_the_request_id_is_echoed_when_sane_and_made_otherwise(api: Api) -> None:
    given = api.client.get("/health/live", headers={"X-Request-ID": "abc-123"})
    made = api.client.get("/health/live")
    insane = api.client.get("/health/live", headers={"X-Request-ID": "x" * 201})
    spaced = api.client.get("/health/live", headers={"X-Request-ID": "a b"})

    assert given.headers["x-request-id"] == "abc-123"
    assert len(made.headers["x-request-id"]) == 32
    assert insane.headers["x-request-id"] != "x" * 201
    assert spaced.headers["x-request-id"] != "a b"
    assert api.client.get("/nowhere").headers["x-request-id"]
    made_ids = {api.client.get("/health/live").headers["x-request-id"] for _ in range(50)}
    assert len(made_ids) == 50  # every request its own
    assert all(re.fullmatch(r"[0-9a-f]{32}", made_id) for made_id in made_ids)


def test_one_access_log_line_per_request_without_secrets(
    api: Api, customer: Session, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bookstore.access"):
        api.client.post(
            "/api/auth/login?next=secret-query",
            json={"email": customer.email, "password": PASSWORD},
            headers={"X-Request-ID": "req-42"},
        )

    lines = [r.getMessage() for r in caplog.records if r.name == "bookstore.access"]
    assert len(lines) == 1
    assert lines[0].startswith("req-42 POST /api/auth/login 200 ")
    assert lines[0].endswith("ms")
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("bookstore"))
    for secret in (PASSWORD, customer.email, "secret-query", customer.access_token[:20]):
        assert secret not in ours


def test_api_responses_are_never_cached_and_never_sniffed(api: Api, customer: Session) -> None:
    response = api.client.get("/api/users/me", headers=customer.headers)

    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_cross_origin_callers_are_refused_unless_listed(make_api: AppFactory) -> None:
    api = make_api(cors_origins="https://shop.example")
    preflight = {"Access-Control-Request-Method": "POST"}

    allowed = api.client.options(
        "/api/auth/login", headers={"Origin": "https://shop.example"} | preflight
    )
    evil = api.client.options(
        "/api/auth/login", headers={"Origin": "https://shopXexample"} | preflight
    )

    assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
    assert "access-control-allow-origin" not in evil.headers


def test_without_listed_origins_no_cross_origin_header_is_sent(api: Api) -> None:
    response = api.client.get("/api/books", headers={"Origin": "https://shop.example"})

    assert "access-control-allow-origin" not in response.headers
