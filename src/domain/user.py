"""Users: customers and admins, identified by a UUID and a case-insensitive email."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from bookstore.domain.errors import FieldError
from bookstore.domain.values import Email, TextRule

FULL_NAME = TextRule("full_name", 0, 200)
PASSWORD_MIN_LEN = 8
PASSWORD_MAX_LEN = 128


class Role(StrEnum):
    CUSTOMER = "customer"
    ADMIN = "admin"


def check_password(password: str) -> FieldError | None:
    """Every character counts: the length is checked in characters, never truncated."""
    if not PASSWORD_MIN_LEN <= len(password) <= PASSWORD_MAX_LEN:
        return FieldError(
            "password", f"must be {PASSWORD_MIN_LEN} to {PASSWORD_MAX_LEN} characters"
        )
    if "\x00" in password:
        return FieldError("password", "must not contain NUL characters")
    return None


@dataclass(slots=True)
class User:
    id: UUID
    email: Email
    full_name: str
    role: Role
    is_active: bool
    password_hash: str = field(repr=False)
    created_at: datetime

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is calling a use case: the business rules decide what they may do."""

    user_id: UUID
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN
