"""Registration, log-in (JSON, or the OAuth2 password form), token refresh and log-out."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.datastructures import State

from bookstore.application.use_cases.authenticate import Authenticated
from bookstore.application.use_cases.log_out import LogOutCommand
from bookstore.application.use_cases.refresh_session import RefreshSessionCommand
from bookstore.entrypoints.http.dependencies import Injected, container_of
from bookstore.entrypoints.http.failed_logins import counting_failed_logins
from bookstore.entrypoints.http.limits import Limit, rate_limited
from bookstore.entrypoints.http.openapi import OptionalBodyOperation
from bookstore.entrypoints.http.problems import problems
from bookstore.entrypoints.http.requests import StrictFormBody, StrictJSONBody, form_only
from bookstore.entrypoints.http.schemas.users import (
    NO_REFRESH_TOKEN,
    LoginRequest,
    LogoutRequest,
    RefreshRequest,
    RegisterRequest,
    TokenForm,
    TokensOut,
    UserOut,
    log_in_command,
    register_command,
    token_command,
    tokens_out,
    user_out,
)
from bookstore.entrypoints.http.security import BEARER, PUBLIC, REQUIRES_USER
from bookstore.entrypoints.http.threads import PasswordThreads


class AuthController(Controller):
    path = "/api/auth"
    tags = ("auth",)

    @post(
        "/register",
        operation_id="register",
        opt=PUBLIC,
        middleware=[rate_limited(Limit.REGISTRATION_PER_ADDRESS)],
        responses=problems(400, 409, 413, 415, 429),
    )
    async def register(
        self,
        state: State,
        data: StrictJSONBody[RegisterRequest],
        password_threads: Injected[PasswordThreads],
    ) -> UserOut:
        """Create a customer account."""
        register = container_of(state).register_user()
        return user_out(await password_threads.run(register, register_command(data)))

    @post(
        "/login",
        operation_id="logIn",
        status_code=200,
        opt=PUBLIC,
        responses=problems(400, 401, 413, 415, 429),
    )
    async def login(
        self,
        state: State,
        request: Request[Any, Any, Any],
        data: StrictJSONBody[LoginRequest],
        password_threads: Injected[PasswordThreads],
    ) -> TokensOut:
        """Exchange an email and password for tokens; a wrong email or password answer alike.

        Too many failed attempts for one account, or from one client address, and log-in is
        refused (429) for a while, even with the right password. Successful log-ins never
        count: many customers share one address behind a NAT."""
        use_cases = container_of(state)
        async with counting_failed_logins(request, data.email):
            pair = await password_threads.run(use_cases.log_in(), log_in_command(data))
        return tokens_out(pair)

    @post(
        "/token",
        operation_id="logInWithForm",
        status_code=200,
        opt=PUBLIC,
        before_request=form_only,
        responses=problems(400, 401, 413, 415, 429),
    )
    async def token(
        self,
        state: State,
        request: Request[Any, Any, Any],
        data: StrictFormBody[TokenForm],
        password_threads: Injected[PasswordThreads],
    ) -> TokensOut:
        """Log in with the OAuth2 password form (`username` is the email), as OAuth2 clients
        and the docs page's Authorize button do; otherwise as log-in, limits included."""
        use_cases = container_of(state)
        async with counting_failed_logins(request, data.username):
            pair = await password_threads.run(use_cases.log_in(), token_command(data))
        return tokens_out(pair)

    @post(
        "/refresh",
        operation_id="refreshSession",
        status_code=200,
        opt=PUBLIC,
        sync_to_thread=True,
        responses=problems(400, 401, 413, 415),
    )
    def refresh(self, state: State, data: StrictJSONBody[RefreshRequest]) -> TokensOut:
        """Rotate a refresh token: the old one stops working; reusing it revokes the session."""
        command = RefreshSessionCommand(data.refresh_token)
        return tokens_out(container_of(state).refresh_session()(command))

    @post(
        "/logout",
        operation_id="logOut",
        status_code=204,
        opt=REQUIRES_USER,
        security=BEARER,
        operation_class=OptionalBodyOperation,
        sync_to_thread=True,
        responses=problems(400, 401, 413, 415),
    )
    def logout(
        self,
        state: State,
        session: Injected[Authenticated],
        data: StrictJSONBody[LogoutRequest] = NO_REFRESH_TOKEN,
    ) -> None:
        """End the session: the access token, and the refresh token given, stop working."""
        command = LogOutCommand(access=session.claims, refresh_token=data.refresh_token)
        container_of(state).log_out()(command)
