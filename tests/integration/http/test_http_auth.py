"""Registration, log-in (JSON and OAuth2 form), refresh rotation, log-out and /users/me."""

from __future__ import annotations

import threading
import time
import uuid
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NoReturn

import jwt
import jwt.warnings
import pytest
from dependency_injector import providers
from http_support import PASSWORD, Api, Session, assert_problem, bearer, error_fields, new_email

from bookstore.application.ports import StorageUnavailable
from bookstore.domain.errors import AuthenticationFailed


def test_registering_answers_201_with_the_user_and_never_a_password(api: Api) -> None:
    response = api.client.post(
        "/api/auth/register",
        json={"email": "  Ada@Example.COM ", "password": PASSWORD, "full_name": "Ada Lovelace"},
    )

    assert response.status_code == 201
    user = response.json()
    assert set(user) == {"id", "email", "full_name", "role", "is_active", "created_at"}
    assert user["email"] == "ada@example.com"
    assert user["role"] == "customer"
    assert user["is_active"] is True
    assert user["created_at"].endswith("Z")
    assert PASSWORD not in response.text
    assert "hash" not in response.text


def test_registering_a_taken_email_in_any_case_is_a_409(api: Api) -> None:
    api.register("taken@example.com")

    response = api.client.post(
        "/api/auth/register", json={"email": "TAKEN@example.com", "password": PASSWORD}
    )

    assert_problem(response, 409, "email-taken")


def test_registering_with_a_role_is_refused_and_creates_nothing(api: Api) -> None:
    email = new_email()
    response = api.client.post(
        "/api/auth/register", json={"email": email, "password": PASSWORD, "role": "admin"}
    )

    body = assert_problem(response, 400, "validation")
    assert error_fields(body) == {"role"}
    assert_problem(
        api.client.post("/api/auth/login", json={"email": email, "password": PASSWORD}),
        401,
        "unauthorized",
    )


def test_registering_names_every_invalid_field(api: Api) -> None:
    response = api.client.post(
        "/api/auth/register", json={"email": "not-an-email", "password": "short", "age": 3}
    )

    body = assert_problem(response, 400, "validation")
    assert error_fields(body) == {"email", "password", "age"}
    assert all(error["message"] for error in body["errors"])


def test_registering_checks_password_length_in_characters(api: Api) -> None:
    long_unicode = "€" * 128  # 384 bytes, 128 characters: allowed, and every one counts

    assert api.client.post(
        "/api/auth/register", json={"email": new_email(), "password": long_unicode}
    ).is_success
    too_long = api.client.post(
        "/api/auth/register", json={"email": new_email(), "password": "x" * 129}
    )
    assert error_fields(assert_problem(too_long, 400, "validation")) == {"password"}


def test_logging_in_answers_a_bearer_token_pair(api: Api) -> None:
    user = api.register()

    response = api.client.post(
        "/api/auth/login", json={"email": user["email"], "password": PASSWORD}
    )

    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 900


def test_logging_in_with_the_oauth2_form_works_for_the_docs_page(api: Api) -> None:
    user = api.register()

    response = api.client.post(
        "/api/auth/login",
        data={"grant_type": "password", "username": user["email"], "password": PASSWORD},
    )

    assert response.status_code == 200
    me = api.client.get("/api/users/me", headers=bearer(response.json()["access_token"]))
    assert me.json()["id"] == user["id"]


def test_the_oauth2_form_is_only_accepted_by_the_log_in_route(api: Api, customer: Session) -> None:
    response = api.client.post("/api/cart/items", data={"book_id": "1"}, headers=customer.headers)

    assert_problem(response, 415, "unsupported-media-type")


def test_wrong_password_and_unknown_email_answer_alike(api: Api) -> None:
    user = api.register()

    wrong = api.client.post(
        "/api/auth/login", json={"email": user["email"], "password": "nope" * 3}
    )
    unknown = api.client.post(
        "/api/auth/login", json={"email": "ghost@example.com", "password": PASSWORD}
    )

    assert assert_problem(wrong, 401, "unauthorized") == assert_problem(
        unknown, 401, "unauthorized"
    )
    assert wrong.headers["www-authenticate"] == unknown.headers["www-authenticate"] == "Bearer"


def test_a_password_over_72_bytes_is_a_401_not_a_500(api: Api) -> None:
    user = api.register()

    response = api.client.post(
        "/api/auth/login", json={"email": user["email"], "password": "€" * 25 + "x" * 60}
    )

    assert_problem(response, 401, "unauthorized")


def test_refreshing_rotates_the_refresh_token(api: Api, customer: Session) -> None:
    response = api.client.post("/api/auth/refresh", json={"refresh_token": customer.refresh_token})

    assert response.status_code == 200
    fresh = response.json()
    assert fresh["refresh_token"] != customer.refresh_token
    assert api.client.get("/api/users/me", headers=bearer(fresh["access_token"])).is_success
    again = api.client.post("/api/auth/refresh", json={"refresh_token": customer.refresh_token})
    assert_problem(again, 401, "unauthorized")


def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(
    api: Api, customer: Session
) -> None:
    first = api.client.post("/api/auth/refresh", json={"refresh_token": customer.refresh_token})
    second_refresh = first.json()["refresh_token"]

    reuse = api.client.post("/api/auth/refresh", json={"refresh_token": customer.refresh_token})
    descendant = api.client.post("/api/auth/refresh", json={"refresh_token": second_refresh})

    assert_problem(reuse, 401, "unauthorized")
    assert_problem(descendant, 401, "unauthorized")


def test_a_refresh_token_never_passes_as_an_access_token(api: Api, customer: Session) -> None:
    response = api.client.get("/api/users/me", headers=bearer(customer.refresh_token))

    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


def test_an_access_token_never_passes_as_a_refresh_token(api: Api, customer: Session) -> None:
    response = api.client.post("/api/auth/refresh", json={"refresh_token": customer.access_token})

    assert_problem(response, 401, "unauthorized")


def test_logging_out_revokes_the_access_and_the_refresh_token(api: Api, customer: Session) -> None:
    response = api.client.post(
        "/api/auth/logout", json={"refresh_token": customer.refresh_token}, headers=customer.headers
    )

    assert response.status_code == 204
    assert response.content == b""
    assert_problem(api.client.get("/api/users/me", headers=customer.headers), 401, "unauthorized")
    refresh = api.client.post("/api/auth/refresh", json={"refresh_token": customer.refresh_token})
    assert_problem(refresh, 401, "unauthorized")


def test_logging_out_without_a_body_revokes_the_access_token(api: Api, customer: Session) -> None:
    response = api.client.post("/api/auth/logout", headers=customer.headers)

    assert response.status_code == 204
    assert_problem(api.client.get("/api/users/me", headers=customer.headers), 401, "unauthorized")


def test_logging_out_needs_a_token(api: Api) -> None:
    response = api.client.post("/api/auth/logout")

    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


def test_users_me_answers_the_callers_account(api: Api, customer: Session) -> None:
    response = api.client.get("/api/users/me", headers=customer.headers)

    assert response.status_code == 200
    assert response.json()["email"] == customer.email


def test_users_me_refuses_missing_malformed_and_tampered_tokens(
    api: Api, customer: Session
) -> None:
    head, payload, signature = customer.access_token.split(".")
    tampered = f"{head}.{payload}.{signature[:-2]}AA"
    for headers in (
        {},
        {"Authorization": customer.access_token},
        {"Authorization": f"Basic {customer.access_token}"},
        {"Authorization": "Bearer"},
        bearer("a.b.c"),
        bearer(tampered),
        bearer("x" * 5000),
    ):
        response = api.client.get("/api/users/me", headers=headers)
        assert_problem(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == "Bearer"


def test_a_stale_token_does_not_break_public_routes(api: Api, customer: Session) -> None:
    api.client.post("/api/auth/logout", headers=customer.headers)

    assert api.client.get("/api/books", headers=customer.headers).status_code == 200
    relogin = api.client.post(
        "/api/auth/login",
        json={"email": customer.email, "password": PASSWORD},
        headers=customer.headers,
    )
    assert relogin.status_code == 200


def _forge(api: Api, session: Session, secret: str | None = None, **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "sub": session.user_id, "jti": "forged", "typ": "access", "iss": "imagine-bookstore",
        "iat": now, "exp": now + 600,
    } | claims  # fmt: skip
    key = secret or api.container.settings().effective_jwt_secret
    return jwt.encode(payload, key, algorithm="HS256")


def _hs512(api: Api, session: Session) -> str:
    """A token signed with the server's own secret, but with an algorithm it does not pin."""
    payload = jwt.decode(session.access_token, options={"verify_signature": False})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        return jwt.encode(payload, api.container.settings().effective_jwt_secret, "HS512")


@pytest.mark.parametrize(
    "forged",
    [
        pytest.param(lambda api, s: _forge(api, s, exp=int(time.time()) - 60), id="expired"),
        pytest.param(lambda api, s: _forge(api, s, iat=int(time.time()) + 600), id="future-iat"),
        pytest.param(lambda api, s: _forge(api, s, secret="w" * 40), id="wrong-key"),
        pytest.param(lambda api, s: _forge(api, s, typ="refresh"), id="refresh-typ"),
        pytest.param(lambda api, s: _forge(api, s, iss="elsewhere"), id="wrong-issuer"),
        pytest.param(lambda api, s: _forge(api, s, sub=str(uuid.uuid4())), id="no-such-user"),
        pytest.param(lambda api, s: _hs512(api, s), id="hs512-same-secret"),
        pytest.param(
            lambda api, s: jwt.encode({"sub": s.user_id, "typ": "access"}, "", "none"),
            id="alg-none",
        ),
    ],
)
def test_forged_tokens_are_refused(
    api: Api, customer: Session, forged: Callable[[Api, Session], str]
) -> None:
    response = api.client.get("/api/users/me", headers=bearer(forged(api, customer)))

    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_database_failure_while_authenticating_is_a_503(api: Api, customer: Session) -> None:
    class Unreachable:
        def __call__(self, token: str) -> NoReturn:
            raise StorageUnavailable("OperationalError: unable to open database file")

    api.container.authenticate.override(providers.Object(Unreachable()))

    assert_problem(
        api.client.get("/api/users/me", headers=customer.headers), 503, "service-unavailable"
    )


def test_a_burst_of_log_ins_cannot_starve_other_requests(api: Api) -> None:
    """Password hashing runs on threads of its own: with every log-in stuck, reads still answer."""
    entered, release = threading.Event(), threading.Event()

    class StuckLogIn:
        def __call__(self, command: object) -> NoReturn:
            entered.set()
            release.wait(10)
            raise AuthenticationFailed("Wrong email or password.")

    api.container.log_in.override(providers.Object(StuckLogIn()))
    bodies = [{"email": new_email(), "password": PASSWORD} for _ in range(12)]
    with ThreadPoolExecutor(12) as pool:
        log_ins = [pool.submit(api.client.post, "/api/auth/login", json=b) for b in bodies]
        assert entered.wait(5)
        started = time.perf_counter()
        read = api.client.get("/api/books")
        elapsed = time.perf_counter() - started
        release.set()
        statuses = {future.result().status_code for future in log_ins}

    assert read.status_code == 200
    assert elapsed < 2
    assert statuses == {401}
