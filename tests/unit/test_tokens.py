"""JSON Web Tokens: one pinned algorithm, required claims, expiry read from the clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import jwt
import pytest

from bookstore.adapters.clock import ManualClock
from bookstore.adapters.tokens import ISSUER, JwtTokenService
from bookstore.application.ports import TokenClaims, TokenKind
from bookstore.domain.errors import AuthenticationFailed

from .support import SECRET


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def tokens(clock: ManualClock) -> JwtTokenService:
    return JwtTokenService(SECRET, clock)


def claims_at(clock: ManualClock, kind: TokenKind = TokenKind.REFRESH) -> TokenClaims:
    now = clock.now()
    return TokenClaims(uuid4(), "token-1", kind, now, now + timedelta(minutes=15), "family-1")


def payload(clock: ManualClock, **changes: Any) -> dict[str, Any]:
    now = int(clock.now().timestamp())
    claims = {
        "sub": str(uuid4()),
        "jti": "t",
        "typ": "access",
        "iss": ISSUER,
        "iat": now,
        "exp": now + 60,
    }
    return {k: v for k, v in (claims | changes).items() if v is not None}


def test_a_token_reads_back_as_the_claims_it_was_issued_with(
    tokens: JwtTokenService, clock: ManualClock
) -> None:
    claims = claims_at(clock)
    assert tokens.read(tokens.issue(claims), TokenKind.REFRESH) == claims


def test_a_token_of_the_wrong_kind_is_refused(tokens: JwtTokenService, clock: ManualClock) -> None:
    token = tokens.issue(claims_at(clock, TokenKind.ACCESS))
    with pytest.raises(AuthenticationFailed):
        tokens.read(token, TokenKind.REFRESH)


def test_a_secret_shorter_than_32_bytes_is_refused(clock: ManualClock) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        JwtTokenService("s" * 31, clock)


def test_a_token_signed_with_another_secret_is_refused(
    tokens: JwtTokenService, clock: ManualClock
) -> None:
    other = JwtTokenService("another-secret-that-is-also-32-bytes-long", clock)
    with pytest.raises(AuthenticationFailed):
        tokens.read(other.issue(claims_at(clock)), TokenKind.REFRESH)


def test_an_unsigned_token_is_refused(tokens: JwtTokenService, clock: ManualClock) -> None:
    unsigned = jwt.encode(payload(clock), key="", algorithm="none")
    with pytest.raises(AuthenticationFailed):
        tokens.read(unsigned, TokenKind.ACCESS)


def test_a_token_signed_with_another_algorithm_is_refused(
    tokens: JwtTokenService, clock: ManualClock
) -> None:
    other_algorithm = jwt.encode(payload(clock), SECRET + "-padding-for-hs512" * 4, "HS512")
    with pytest.raises(AuthenticationFailed):
        tokens.read(other_algorithm, TokenKind.ACCESS)


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "someone-else"},
        {"iss": None},
        {"sub": None},
        {"sub": "not-a-uuid"},
        {"jti": None},
        {"typ": None},
        {"typ": "id"},
        {"exp": None},
        {"iat": None},
        {"exp": "soon"},
        {"exp": 10**30},
    ],
    ids=str,
)
def test_a_token_with_a_missing_or_odd_claim_is_refused(
    tokens: JwtTokenService, clock: ManualClock, changes: dict[str, Any]
) -> None:
    token = jwt.encode(payload(clock, **changes), SECRET, "HS256")
    with pytest.raises(AuthenticationFailed):
        tokens.read(token, TokenKind.ACCESS)


def test_a_token_issued_in_the_future_is_refused(
    tokens: JwtTokenService, clock: ManualClock
) -> None:
    now = int(clock.now().timestamp())
    token = jwt.encode(payload(clock, iat=now + 60, exp=now + 120), SECRET, "HS256")
    with pytest.raises(AuthenticationFailed):
        tokens.read(token, TokenKind.ACCESS)


def test_expiry_is_judged_by_the_injected_clock_with_a_few_seconds_of_leeway(
    tokens: JwtTokenService, clock: ManualClock
) -> None:
    token = tokens.issue(claims_at(clock, TokenKind.ACCESS))
    clock.advance(timedelta(minutes=15, seconds=4))
    assert tokens.read(token, TokenKind.ACCESS)
    clock.advance(timedelta(seconds=2))
    with pytest.raises(AuthenticationFailed):
        tokens.read(token, TokenKind.ACCESS)


def test_a_token_read_before_does_not_vouch_for_a_tampered_copy(
    tokens: JwtTokenService, clock: ManualClock
) -> None:
    """Verified tokens are remembered by their exact text: any other text is verified."""
    token = tokens.issue(claims_at(clock, TokenKind.ACCESS))
    assert tokens.read(token, TokenKind.ACCESS)
    head, body, signature = token.split(".")
    forged_body = jwt.encode(payload(clock, typ="access"), "x" * 64, "HS256").split(".")[1]
    for forged in (f"{head}.{forged_body}.{signature}", f"{head}.{body}.{signature[:-2]}AA"):
        with pytest.raises(AuthenticationFailed):
            tokens.read(forged, TokenKind.ACCESS)
    assert tokens.read(token, TokenKind.ACCESS)
