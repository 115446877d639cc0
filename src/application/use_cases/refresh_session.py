from __future__ import annotations

from dataclasses import dataclass

from bookstore.application.ports import Clock, TokenKind, TokenService, UnitOfWorkFactory
from bookstore.application.sessions import SessionIssuer, TokenPair
from bookstore.domain.errors import AuthenticationFailed


@dataclass(frozen=True, slots=True)
class RefreshSessionCommand:
    refresh_token: str


class RefreshSession:
    """Rotate a refresh token: the old one stops working, a new pair is issued.

    - Presenting a refresh token that was already rotated (a sign it was stolen) revokes
      its whole family: every token descended from the same log-in stops working.
    - A disabled or deleted user cannot refresh.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        tokens: TokenService,
        clock: Clock,
        sessions: SessionIssuer,
    ) -> None:
        self._uow = uow
        self._tokens = tokens
        self._clock = clock
        self._sessions = sessions

    def __call__(self, command: RefreshSessionCommand) -> TokenPair:
        claims = self._tokens.read(command.refresh_token, TokenKind.REFRESH)
        now = self._clock.now()
        with self._uow() as uow:
            record = uow.sessions.get_refresh_token(claims.token_id)
            if record is None or record.user_id != claims.subject:
                raise AuthenticationFailed("This refresh token is not valid.")
            if not uow.sessions.use_refresh_token(record.token_id, now):
                uow.sessions.revoke_family(record.family_id, now)
                uow.commit()
                raise AuthenticationFailed("This refresh token was already used or revoked.")
            user = uow.users.get(record.user_id)
            if user is None or not user.is_active:
                raise AuthenticationFailed("This account is disabled.")
            pair = self._sessions.open(uow, user.id, family_id=record.family_id)
            uow.commit()
        return pair
