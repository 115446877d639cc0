"""JSON Web Tokens with PyJWT: one algorithm pinned by the server, claims required."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from bookstore.application.ports import Clock, TokenClaims, TokenKind
from bookstore.domain.errors import AuthenticationFailed

MIN_SECRET_BYTES = 32
ISSUER = "imagine-bookstore"
VERIFIED_TOKENS_KEPT = 1024
_REQUIRED = ["exp", "iat", "sub", "jti", "typ", "iss"]
_LEEWAY = timedelta(seconds=5)


class JwtTokenService:
    def __init__(self, secret: str, clock: Clock, algorithm: str = "HS256") -> None:
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise ValueError(f"the JWT secret must be at least {MIN_SECRET_BYTES} bytes")
        self._secret = secret
        self._clock = clock
        self._algorithm = algorithm
        self._verified: dict[str, dict[str, Any]] = {}

    def issue(self, claims: TokenClaims) -> str:
        payload: dict[str, Any] = {
            "sub": str(claims.subject),
            "jti": claims.token_id,
            "typ": claims.kind.value,
            "iss": ISSUER,
            "iat": int(claims.issued_at.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
        }
        if claims.family_id is not None:
            payload["fam"] = claims.family_id
        return jwt.encode(payload, self._secret, algorithm=self._algorithm)

    def read(self, token: str, kind: TokenKind) -> TokenClaims:
        try:
            payload = self._decode(token)
            claims = TokenClaims(
                subject=uuid.UUID(payload["sub"]),
                token_id=str(payload["jti"]),
                kind=TokenKind(payload["typ"]),
                issued_at=datetime.fromtimestamp(payload["iat"], UTC),
                expires_at=datetime.fromtimestamp(payload["exp"], UTC),
                family_id=payload.get("fam"),
            )
        except (jwt.PyJWTError, ValueError, TypeError, KeyError, OverflowError):
            raise AuthenticationFailed("The token is invalid or expired.") from None
        if claims.kind is not kind:
            raise AuthenticationFailed(f"An {kind.value} token is required.")
        return claims

    def _decode(self, token: str) -> dict[str, Any]:
        now = self._clock.now()
        payload = self._verified_payload(token)
        # Expiry and issue time are checked against the injected clock, not the system's, on
        # every read (a remembered token is not a valid one).
        if datetime.fromtimestamp(payload["exp"], UTC) <= now - _LEEWAY:
            raise ValueError("expired")
        if datetime.fromtimestamp(payload["iat"], UTC) > now + _LEEWAY:
            raise ValueError("issued in the future")
        return payload

    def _verified_payload(self, token: str) -> dict[str, Any]:
        """The payload of a token whose signature, algorithm, issuer and claims are right.

        What PyJWT verified of a token never changes (this service's secret is fixed), so
        the payloads of recently verified tokens are remembered: a client sends the same
        token with every request, and verifying it again is a large part of a cheap one."""
        payload = self._verified.get(token)
        if payload is not None:
            return payload
        payload = jwt.decode(
            token,
            self._secret,
            algorithms=[self._algorithm],
            issuer=ISSUER,
            options={"require": _REQUIRED, "verify_exp": False, "verify_iat": False},
        )
        if not isinstance(payload["exp"], int) or not isinstance(payload["iat"], int):
            raise ValueError("exp and iat must be whole seconds")
        if len(self._verified) >= VERIFIED_TOKENS_KEPT:
            self._verified.clear()
        self._verified[token] = payload
        return payload
