"""Bearer authentication and the route policy guards.

The middleware turns an `Authorization: Bearer` header into the caller (`Authenticated`) by
calling the `Authenticate` use case, which verifies the token with our `TokenService` (signature,
expiry, `typ` = access, revocation, account still active). On the routes whose `opt` is
`REQUIRES_USER` it refuses a request without a valid token (401); elsewhere a missing or bad
token leaves the caller anonymous, and the route decides (the guard `requires_admin` → 401 or
403). The catalogue's reads (`CATALOGUE_READ`) are refused the same way when the setting
`catalog_requires_auth` closes the catalogue. So a stale token sent to a public route (log-in,
refresh, an open catalogue) does not break it. Business rules in the use cases refuse again
regardless. (These are route options, not guards, because Litestar copies the route handler
for every guard on every request.)
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from litestar import Controller, Request
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.openapi.spec import SecurityRequirement

from bookstore.application.use_cases.authenticate import Authenticated
from bookstore.domain.errors import AuthenticationFailed, Forbidden
from bookstore.domain.user import Actor
from bookstore.entrypoints.http.dependencies import SETTINGS_STATE_KEY, container_of
from bookstore.entrypoints.http.placement import storage_calls
from bookstore.entrypoints.settings import Settings

PUBLIC = MappingProxyType({"exclude_from_auth": True})
"""Route `opt` of the routes anyone may call: the middleware skips them entirely."""

REQUIRES_USER = MappingProxyType({"requires_user": True})
"""Route `opt` of the routes only a signed-in user may call: the middleware answers 401."""
CATALOGUE_READ = MappingProxyType({"catalogue_read": True})
"""Route `opt` of the catalogue's reads: public unless `catalog_requires_auth` is set."""

BEARER_SCHEME = "BearerAuth"
OAUTH2_SCHEME = "OAuth2Password"
BEARER: tuple[SecurityRequirement, ...] = ({BEARER_SCHEME: []}, {OAUTH2_SCHEME: []})
"""OpenAPI security of protected routes: a bearer token (either scheme obtains one)."""

MAX_TOKEN_LENGTH = 4096

Connection = ASGIConnection[Any, Any, Any, Any]


class BearerAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: Connection) -> AuthenticationResult:
        state = connection.app.state
        user_only = _user_only(connection.route_handler.opt, state[SETTINGS_STATE_KEY])
        header = connection.headers.get("authorization")
        if header is None:
            if user_only:
                raise AuthenticationFailed("A bearer token is required.")
            return AuthenticationResult(user=None, auth=None)
        token = bearer_token(header)
        if token is None:
            malformed = AuthenticationFailed("The Authorization header must be 'Bearer <token>'.")
            if user_only:
                raise malformed
            return AuthenticationResult(user=None, auth=malformed)
        authenticate = container_of(state).authenticate()
        try:
            caller = await storage_calls(state).read(authenticate, token)
        except AuthenticationFailed as failure:
            if user_only:
                raise
            return AuthenticationResult(user=None, auth=failure)
        return AuthenticationResult(user=caller, auth=None)


def _user_only(route_opt: Mapping[str, Any], settings: Settings) -> bool:
    """Whether the route refuses callers without a valid token: signed-in routes, and the
    catalogue's reads when a setting closes the catalogue."""
    if route_opt.get("requires_user", False):
        return True
    return bool(route_opt.get("catalogue_read", False) and settings.catalog_requires_auth)


def bearer_token(header: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None if malformed."""
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return token


def authenticated(connection: Connection) -> Authenticated:
    """The caller, or the reason there is none as a 401."""
    caller = connection.scope.get("user")
    if isinstance(caller, Authenticated):
        return caller
    failure = connection.scope.get("auth")
    if isinstance(failure, AuthenticationFailed):
        raise AuthenticationFailed(failure.detail)
    raise AuthenticationFailed("A bearer token is required.")


# The guard is async on purpose: it does no I/O, and Litestar runs a sync guard on a worker
# thread, a hop every guarded request would pay.
async def requires_admin(connection: Connection, _: BaseRouteHandler) -> None:
    if not authenticated(connection).actor.is_admin:
        raise Forbidden("Only an admin may do this.")


class SignedInController(Controller):
    """Routes only a signed-in user may call (401 otherwise)."""

    opt = REQUIRES_USER
    security = BEARER


class AdminController(Controller):
    """Routes only admins may call (401, or 403 for a signed-in customer), tagged `admin`."""

    tags = ("admin",)
    guards = (requires_admin,)
    security = BEARER


def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    return authenticated(request).actor


def provide_session(request: Request[Any, Any, Any]) -> Authenticated:
    return authenticated(request)
