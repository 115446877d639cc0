"""Hardened responses: security headers on every answer, no caching of private answers, no
debug output in production, body size limits, CORS closed unless configured."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NoReturn

import pytest
from dependency_injector import providers
from http_support import PASSWORD, Api, AppFactory, Session, assert_problem, new_email
from test_http_routes import api_routes, concrete

PRODUCTION_SECRET = "production-secret-of-at-least-32-bytes!!"
_DEBUG_TRACES = re.compile(r"Traceback|File \"|\.py\b|line \d+|/work/|site-packages", re.I)


@pytest.fixture
def database_url() -> str:
    """Headers and error bodies are the HTTP layer's, whatever the database: memory only."""
    return "memory://"


def sample_responses(api: Api, session: Session | None) -> Iterator[tuple[str, str, Any]]:
    """One answer of every route of the route table, plus errors raised outside any route."""
    headers = session.headers if session else {}
    for method, path in api_routes(api):
        yield method, path, api.client.request(method, concrete(path), json={}, headers=headers)
    for method, path in (("GET", "/nowhere"), ("PUT", "/api/auth/login"), ("GET", "/schema")):
        yield method, path, api.client.request(method, path, headers=headers)


def test_every_answer_forbids_content_sniffing(api: Api, customer: Session) -> None:
    for session in (None, customer):
        for method, path, response in sample_responses(api, session):
            assert response.headers["x-content-type-options"] == "nosniff", (method, path)


def test_api_answers_and_every_answer_to_a_request_with_credentials_are_never_stored(
    api: Api, customer: Session
) -> None:
    for session in (None, customer):
        for method, path, response in sample_responses(api, session):
            if path.startswith("/api/") or session is not None:
                assert response.headers["cache-control"] == "no-store", (method, path, session)


def test_public_static_assets_stay_cacheable_without_credentials(api: Api) -> None:
    page = api.client.get("/schema")
    asset = re.findall(r"src=[\"'](/schema/assets/[^\"']+)[\"']", page.text)[0]

    assert "public" in api.client.get(asset).headers["cache-control"]


class _Exploding:
    def __call__(self, *_: Any) -> NoReturn:
        message = 'File "/work/main/src/bookstore/secret.py", line 42: SELECT password_hash'
        raise RuntimeError(message)


def test_production_never_shows_debug_output(
    make_api: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITESTAR_DEBUG", "1")  # Litestar's own switch changes nothing either
    api = make_api(
        env="production",
        jwt_secret=PRODUCTION_SECRET,
        payment_provider="sandbox",
        payment_webhook_secret=PRODUCTION_SECRET,
    )
    api.container.search_books.override(providers.Object(_Exploding()))
    customer = api.customer()

    response = api.client.get("/api/books", headers=customer.headers)

    body = assert_problem(response, 500, "internal")
    assert set(body) == {"type", "title", "status", "detail"}
    assert not _DEBUG_TRACES.search(response.text), response.text
    assert "password_hash" not in response.text
    assert api.client.app.debug is False
    for other in (
        api.client.get("/nowhere"),
        api.client.post("/api/auth/register", content=b"[" * 5000),
        api.client.post("/api/auth/register", json={"email": 1}),
    ):
        assert other.status_code in {400, 404}
        assert not _DEBUG_TRACES.search(other.text), other.text


def test_production_refuses_to_start_without_a_real_secret(make_api: AppFactory) -> None:
    from bookstore.entrypoints.settings import SettingsError

    with pytest.raises(SettingsError):
        make_api(env="production")


def test_a_chunked_body_over_the_limit_is_a_413_too(api: Api) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"email": "'
        for _ in range(40):
            yield b"a" * 65536
        yield b'", "password": "correct horse"}'

    response = api.client.post(
        "/api/auth/register", content=chunks(), headers={"content-type": "application/json"}
    )

    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "payload-too-large")


def test_a_body_just_under_the_limit_is_read(make_api: AppFactory) -> None:
    api = make_api(max_body_bytes=4096)
    body = b'{"email": "%s", "password": "%s"' % (new_email().encode(), PASSWORD.encode())
    body += b" " * (4096 - len(body) - 1) + b"}"

    assert api.client.post("/api/auth/register", content=body).status_code == 201
    too_big = api.client.post("/api/auth/register", content=body + b" ")
    assert_problem(too_big, 413, "payload-too-large")


def test_cors_preflights_echo_only_exactly_listed_origins(make_api: AppFactory) -> None:
    api = make_api(cors_origins="https://shop.example, https://admin.shop.example")
    preflight = {"Access-Control-Request-Method": "POST"}

    for origin, allowed in (
        ("https://shop.example", True),
        ("https://admin.shop.example", True),
        ("https://evil.example", False),
        ("https://shopXexample", False),
        ("https://shop.example.evil.example", False),
        ("http://shop.example", False),
        ("null", False),
    ):
        response = api.client.options("/api/auth/login", headers={"Origin": origin} | preflight)
        echoed = response.headers.get("access-control-allow-origin")
        assert echoed == (origin if allowed else None), origin
        assert echoed != "*"


def test_a_listed_origin_may_send_an_idempotency_key_and_read_the_answers_headers(
    make_api: AppFactory,
) -> None:
    api = make_api(cors_origins="https://shop.example")
    origin = {"Origin": "https://shop.example"}

    preflight = api.client.options(
        "/api/orders",
        headers=origin
        | {
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, idempotency-key, content-type",
        },
    )
    answer = api.client.post("/api/auth/login", json={}, headers=origin)

    assert preflight.status_code in {200, 204}
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert {"authorization", "idempotency-key", "content-type"} <= {
        h.strip() for h in allowed.split(",")
    }
    exposed = {
        h.strip().lower() for h in answer.headers["access-control-expose-headers"].split(",")
    }
    assert {"location", "retry-after", "idempotent-replayed", "ratelimit-remaining"} <= exposed
    assert answer.headers.get("access-control-allow-credentials") is None
