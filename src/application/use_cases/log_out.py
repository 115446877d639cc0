from __future__ import annotations

from dataclasses import dataclass

from bookstore.application.ports import (
    Clock,
    TokenClaims,
    TokenKind,
    TokenService,
    UnitOfWorkFactory,
)
from bookstore.domain.errors import AuthenticationFailed


@dataclass(frozen=True, slots=True)
class LogOutCommand:
    access: TokenClaims
    refresh_token: str | None = None


class LogOut:
    """End a session: the access token stops working at once.

    - A refresh token given with it is revoked too, with every token rotated from it.
    - A refresh token that is invalid, or belongs to someone else, is ignored.
    """

    def __init__(self, uow: UnitOfWorkFactory, tokens: TokenService, clock: Clock) -> None:
        self._uow = uow
        self._tokens = tokens
        self._clock = clock

    def __call__(self, command: LogOutCommand) -> None:
        refresh = self._refresh_claims(command.refresh_token)
        with self._uow() as uow:
            uow.sessions.revoke_access_token(command.access.token_id, command.access.expires_at)
            record = uow.sessions.get_refresh_token(refresh.token_id) if refresh else None
            if record is not None and record.user_id == command.access.subject:
                uow.sessions.revoke_family(record.family_id, self._clock.now())
            uow.commit()

    def _refresh_claims(self, token: str | None) -> TokenClaims | None:
        if token is None:
            return None
        try:
            return self._tokens.read(token, TokenKind.REFRESH)
        except AuthenticationFailed:
            return None
