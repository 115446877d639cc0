"""Issuing an access and refresh token pair, shared by log-in and refresh."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from bookstore.application.config import StoreConfig
from bookstore.application.ports import (
    Clock,
    IdGenerator,
    RefreshTokenRecord,
    TokenClaims,
    TokenKind,
    TokenService,
    UnitOfWork,
)


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    """Seconds until the access token expires."""
    token_type: str = "bearer"


class SessionIssuer:
    """Opens a session: a short-lived access token and a one-shot refresh token.

    A refresh token belongs to a family; rotating it keeps the family, so that reuse of a
    rotated token can revoke every token descended from the same log-in.
    """

    def __init__(
        self, tokens: TokenService, clock: Clock, ids: IdGenerator, config: StoreConfig
    ) -> None:
        self._tokens = tokens
        self._clock = clock
        self._ids = ids
        self._config = config

    def open(self, uow: UnitOfWork, user_id: UUID, family_id: str | None = None) -> TokenPair:
        now = self._clock.now()
        family = family_id or self._ids.new_token_id()

        def claims(kind: TokenKind, ttl: timedelta, in_family: str | None = None) -> TokenClaims:
            return TokenClaims(user_id, self._ids.new_token_id(), kind, now, now + ttl, in_family)

        access = claims(TokenKind.ACCESS, self._config.access_token_ttl)
        refresh = claims(TokenKind.REFRESH, self._config.refresh_token_ttl, family)
        uow.sessions.add_refresh_token(
            RefreshTokenRecord(refresh.token_id, family, user_id, refresh.expires_at)
        )
        return TokenPair(
            access_token=self._tokens.issue(access),
            refresh_token=self._tokens.issue(refresh),
            expires_in=int(self._config.access_token_ttl.total_seconds()),
        )
