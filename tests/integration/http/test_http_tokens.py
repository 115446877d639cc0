"""Token attacks, revocation across processes, and disabled accounts.

Revocation, rotation and account state live in the database, never in a process: two app
instances over one SQLite file (as two server processes would be) see each other's log-outs,
rotations and lock-outs at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import shutil
import sqlite3
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from http_support import PASSWORD, Api, AppFactory, Session, assert_problem, bearer

PROTECTED = ("/api/users/me", "/api/cart", "/api/orders")


@pytest.fixture
def database_url(migrated_sqlite: Path, tmp_path: Path) -> str:
    """One SQLite file, which every app instance of the test opens on its own engine."""
    path = tmp_path / "shared.db"
    shutil.copyfile(migrated_sqlite, path)
    return f"sqlite:///{path}"


def refused(api: Api, token: str, path: str = "/api/users/me") -> None:
    response = api.client.get(path, headers=bearer(token))
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


def refresh(api: Api, token: str) -> Any:
    return api.client.post("/api/auth/refresh", json={"refresh_token": token})


# -- forged and malformed tokens ------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(api: Api, session: Session, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "sub": session.user_id, "jti": uuid.uuid4().hex, "typ": "access",
        "iss": "imagine-bookstore", "iat": now, "exp": now + 600,
    } | changes  # fmt: skip
    return {name: value for name, value in claims.items() if value is not None}


def _signed(api: Api, claims: dict[str, Any], **header: Any) -> str:
    secret = api.container.settings().effective_jwt_secret
    return jwt.encode(claims, secret, algorithm="HS256", headers=header or None)


def _raw(header: dict[str, Any] | str, claims: dict[str, Any], signature: bytes = b"") -> str:
    head = header if isinstance(header, str) else json.dumps(header)
    return f"{_b64(head.encode())}.{_b64(json.dumps(claims).encode())}.{_b64(signature)}"


def _edited_payload(api: Api, session: Session, admin: Session) -> str:
    """The customer's own token, its subject changed to the admin's, its signature kept."""
    head, _, signature = session.access_token.split(".")
    claims = jwt.decode(session.access_token, options={"verify_signature": False})
    payload = _b64(json.dumps(claims | {"sub": admin.user_id, "role": "admin"}).encode())
    return f"{head}.{payload}.{signature}"


def _rs256(api: Api, session: Session, admin: Session) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(_claims(api, admin), key, algorithm="RS256")


def _es256(api: Api, session: Session, admin: Session) -> str:
    return jwt.encode(_claims(api, admin), ec.generate_private_key(ec.SECP256R1()), "ES256")


def _hs256_labelled_rs256(api: Api, session: Session, admin: Session) -> str:
    """Signed with the server's secret, but claiming an algorithm the server does not pin."""
    signing_input = jwt.encode(_claims(api, admin), "k" * 32, algorithm="HS256")
    _, payload, _ = signing_input.split(".")
    head = _b64(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    secret = api.container.settings().effective_jwt_secret.encode()
    signature = hmac.new(secret, f"{head}.{payload}".encode(), hashlib.sha256).digest()
    return f"{head}.{payload}.{_b64(signature)}"


Forger = Callable[[Api, Session, Session], str]
FORGED: dict[str, Forger] = {
    "edited-payload": _edited_payload,
    "rs256-own-key": _rs256,
    "es256-own-key": _es256,
    "hs256-labelled-rs256": _hs256_labelled_rs256,
    "alg-none": lambda api, s, a: _raw({"alg": "none", "typ": "JWT"}, _claims(api, a)),
    "alg-NoNe": lambda api, s, a: _raw({"alg": "NoNe"}, _claims(api, a)),
    "empty-signature": lambda api, s, a: _signed(api, _claims(api, a)).rsplit(".", 1)[0] + ".",
    "expired": lambda api, s, a: _signed(api, _claims(api, a, exp=int(time.time()) - 60)),
    "future-iat": lambda api, s, a: _signed(api, _claims(api, a, iat=int(time.time()) + 600)),
    "no-exp": lambda api, s, a: _signed(api, _claims(api, a, exp=None)),
    "no-sub": lambda api, s, a: _signed(api, _claims(api, a, sub=None)),
    "no-jti": lambda api, s, a: _signed(api, _claims(api, a, jti=None)),
    "no-typ": lambda api, s, a: _signed(api, _claims(api, a, typ=None)),
    "no-iss": lambda api, s, a: _signed(api, _claims(api, a, iss=None)),
    "sub-not-a-uuid": lambda api, s, a: _signed(api, _claims(api, a, sub="admin")),
    "exp-absurd": lambda api, s, a: _signed(api, _claims(api, a, exp=10**30)),
    "exp-fraction": lambda api, s, a: _signed(api, _claims(api, a, exp=time.time() + 600.5)),
    "iat-absurd": lambda api, s, a: _signed(api, _claims(api, a, iat=-(10**30))),
    "refresh-as-access": lambda api, s, a: a.refresh_token,
    "deeply-nested-header": lambda api, s, a: _raw(
        '{"alg": "HS256", "x": ' + "[" * 5000 + "]" * 5000 + "}", _claims(api, a), b"x" * 32
    ),
    "not-base64": lambda api, s, a: "!!!.???.***",
    "two-segments": lambda api, s, a: ".".join(a.access_token.split(".")[:2]),
}


def test_the_forger_signs_tokens_the_server_accepts(api: Api, admin: Session) -> None:
    """So that each forgery below is refused for its one defect, not for a slip of the forger."""
    token = _signed(api, _claims(api, admin))

    assert api.client.get("/api/admin/users", headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("forge", FORGED.values(), ids=FORGED.keys())
def test_forged_tokens_are_refused_on_customer_and_admin_routes(
    api: Api, customer: Session, admin: Session, forge: Forger
) -> None:
    token = forge(api, customer, admin)

    for path in (*PROTECTED, "/api/admin/users"):
        refused(api, token, path)


def test_a_deleted_users_tokens_are_refused(api: Api, customer: Session) -> None:
    path = api.container.settings().database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        deleted = db.execute("DELETE FROM users WHERE id = ?", (uuid.UUID(customer.user_id).hex,))
    assert deleted.rowcount == 1

    refused(api, customer.access_token)
    assert_problem(refresh(api, customer.refresh_token), 401, "unauthorized")


# -- state shared by every process ----------------------------------------------------------


def test_a_log_out_in_one_process_is_seen_by_another_at_once(make_api: AppFactory) -> None:
    one, two = make_api(), make_api()
    session = one.customer()
    assert two.client.get("/api/users/me", headers=session.headers).status_code == 200

    logout = two.client.post(
        "/api/auth/logout", json={"refresh_token": session.refresh_token}, headers=session.headers
    )

    assert logout.status_code == 204
    refused(one, session.access_token)
    assert_problem(refresh(one, session.refresh_token), 401, "unauthorized")


def test_a_rotated_refresh_token_stays_refused_in_every_process(make_api: AppFactory) -> None:
    one, two = make_api(), make_api()
    session = one.customer()

    rotated = refresh(one, session.refresh_token)
    reuse = refresh(two, session.refresh_token)

    assert rotated.status_code == 200
    assert_problem(reuse, 401, "unauthorized")
    # Reuse revokes the whole family, in every process: the descendant is refused too.
    assert_problem(refresh(one, rotated.json()["refresh_token"]), 401, "unauthorized")


def test_disabling_a_user_locks_them_out_of_every_process_and_every_token(
    make_api: AppFactory,
) -> None:
    one, two = make_api(), make_api()
    admin = two.admin()
    first, second = one.customer(), None
    tokens = one.log_in(first.email)
    second = Session(first.user_id, first.email, tokens["access_token"], tokens["refresh_token"])
    third = refresh(two, second.refresh_token).json()
    held_access = [first.access_token, second.access_token, third["access_token"]]
    held_refresh = [first.refresh_token, third["refresh_token"]]

    response = two.client.patch(
        f"/api/admin/users/{first.user_id}", json={"is_active": False}, headers=admin.headers
    )

    assert response.status_code == 200
    for api in (one, two):
        for token in held_access:
            for path in PROTECTED:
                refused(api, token, path)
            assert_problem(
                api.client.post("/api/auth/logout", headers=bearer(token)), 401, "unauthorized"
            )
        for token in held_refresh:
            assert_problem(refresh(api, token), 401, "unauthorized")
        login = api.client.post(
            "/api/auth/login", json={"email": first.email, "password": PASSWORD}
        )
        assert_problem(login, 401, "unauthorized")
