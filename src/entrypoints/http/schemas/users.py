"""Accounts and sessions on the wire: registration, log-in, tokens and user views."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar.params import QueryParameter
from msgspec import UNSET, UnsetType

from bookstore.application.queries import UserQuery
from bookstore.application.sessions import TokenPair
from bookstore.application.use_cases.log_in import LogInCommand
from bookstore.application.use_cases.register_user import RegisterUserCommand
from bookstore.application.use_cases.update_user import UpdateUserCommand
from bookstore.domain.errors import FieldError, InvalidInput
from bookstore.domain.pagination import Page, PageRequest
from bookstore.domain.user import (
    FULL_NAME,
    PASSWORD_MAX_LEN,
    PASSWORD_MIN_LEN,
    Actor,
    Role,
    User,
    check_password,
)
from bookstore.domain.values import Email, FieldErrors
from bookstore.entrypoints.http.schemas.common import PageNumber, PageOut, PageSize, timestamp

# Emails are trimmed before their 254-character limit is checked, so the wire allows a margin.
EmailText = Annotated[str, msgspec.Meta(min_length=1, max_length=Email.MAX_LEN + 66)]
# The shape of an email (the domain checks it again): surrounding blanks are trimmed later.
NewEmail = Annotated[
    str,
    msgspec.Meta(
        min_length=3,
        max_length=Email.MAX_LEN + 66,
        pattern=r"^\s*[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s.\x00-\x1f\x7f-\x9f]+"
        r"(\.[^@\s.\x00-\x1f\x7f-\x9f]+)+\s*$",
    ),
]
NewPassword = Annotated[str, msgspec.Meta(min_length=PASSWORD_MIN_LEN, max_length=PASSWORD_MAX_LEN)]
# A log-in never reveals the password rules; it only bounds the work done on a guess.
AnyPassword = Annotated[str, msgspec.Meta(max_length=1024)]
TokenText = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]
FullName = Annotated[str, msgspec.Meta(max_length=200)]
RoleName = Literal["customer", "admin"]
EmailFilter = Annotated[
    str | None, QueryParameter(min_length=1, max_length=Email.MAX_LEN, description="Email part.")
]


class RegisterRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    email: NewEmail
    password: NewPassword
    full_name: FullName | None = None

    @staticmethod
    def value_errors(fields: Mapping[str, Any]) -> list[FieldError]:
        return registration_errors(fields)


class LoginRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    email: EmailText
    password: AnyPassword


OAuth2Text = Annotated[str, msgspec.Meta(max_length=1024)]


class TokenForm(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """The OAuth2 password grant (RFC 6749 §4.3), form-encoded: `username` is the email.
    `scope`, `client_id` and `client_secret`, which OAuth2 clients may send, are ignored."""

    username: EmailText
    password: AnyPassword
    grant_type: Literal["password"] | None = None
    scope: OAuth2Text | None = None
    client_id: OAuth2Text | None = None
    client_secret: OAuth2Text | None = None


class RefreshRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    refresh_token: TokenText


class LogoutRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    refresh_token: TokenText | None = None


NO_REFRESH_TOKEN = LogoutRequest()
"""A log-out without a body ends the access token only."""


class UserPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """Only the fields given change."""

    is_active: bool | UnsetType = UNSET
    role: RoleName | UnsetType = UNSET


class TokensOut(msgspec.Struct, kw_only=True):
    access_token: str
    token_type: Literal["bearer"]
    expires_in: int
    refresh_token: str


class UserOut(msgspec.Struct, kw_only=True):
    id: UUID
    email: str
    full_name: str
    role: RoleName
    is_active: bool
    created_at: datetime


class UserPage(PageOut[UserOut], kw_only=True):
    items: list[UserOut]


def register_command(data: RegisterRequest) -> RegisterUserCommand:
    return RegisterUserCommand(email=data.email, password=data.password, full_name=data.full_name)


def registration_errors(fields: Mapping[str, Any]) -> list[FieldError]:
    """The domain's word (as RegisterUser checks) on the well-shaped fields of a refused body."""
    errors = FieldErrors()
    if "email" in fields:
        errors.capture(lambda: Email.parse(fields["email"]))
    if "password" in fields and (problem := check_password(fields["password"])) is not None:
        errors.add(problem.field, problem.message)
    if fields.get("full_name"):
        errors.text(FULL_NAME, fields["full_name"])
    try:
        errors.raise_if_any()
    except InvalidInput as refused:
        return list(refused.errors)
    return []


def log_in_command(data: LoginRequest) -> LogInCommand:
    return LogInCommand(email=data.email, password=data.password)


def token_command(data: TokenForm) -> LogInCommand:
    return LogInCommand(email=data.username, password=data.password)


def update_user_command(actor: Actor, user_id: UUID, data: UserPatch) -> UpdateUserCommand:
    return UpdateUserCommand(
        actor=actor,
        user_id=user_id,
        is_active=None if data.is_active is UNSET else data.is_active,
        role=None if data.role is UNSET else Role(data.role),
    )


def tokens_out(pair: TokenPair) -> TokensOut:
    return TokensOut(
        access_token=pair.access_token,
        token_type="bearer",
        expires_in=pair.expires_in,
        refresh_token=pair.refresh_token,
    )


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email.value,
        full_name=user.full_name,
        role="admin" if user.role is Role.ADMIN else "customer",
        is_active=user.is_active,
        created_at=timestamp(user.created_at),
    )


def user_page(page: Page[User]) -> UserPage:
    return UserPage.of(page, user_out)


def provide_user_query(
    page: PageNumber = 1, page_size: PageSize = 20, email: EmailFilter = None
) -> UserQuery:
    return UserQuery(page=PageRequest(page, page_size), email_contains=email)
