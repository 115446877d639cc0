from __future__ import annotations

from dataclasses import dataclass

from bookstore.application.ports import TokenClaims, TokenKind, TokenService, UnitOfWorkFactory
from bookstore.domain.errors import AuthenticationFailed
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class Authenticated:
    actor: Actor
    claims: TokenClaims


class Authenticate:
    """Turn an access token into the actor it speaks for.

    - The signature, expiry and kind are checked (a refresh token is never an access token).
    - A logged-out token, or one of a disabled or deleted user, is refused at once.
    - The role comes from the account as it is now, not from the token.
    """

    def __init__(self, uow: UnitOfWorkFactory, tokens: TokenService) -> None:
        self._uow = uow
        self._tokens = tokens

    def __call__(self, access_token: str) -> Authenticated:
        claims = self._tokens.read(access_token, TokenKind.ACCESS)
        with self._uow(read_only=True) as uow:
            access = uow.sessions.check_access(claims.token_id, claims.subject)
        if access.token_revoked:
            raise AuthenticationFailed("This token was revoked.")
        if access.role is None or not access.is_active:
            raise AuthenticationFailed("This account is disabled or gone.")
        return Authenticated(Actor(claims.subject, access.role), claims)
