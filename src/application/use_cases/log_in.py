from __future__ import annotations

from dataclasses import dataclass

from bookstore.application.ports import PasswordHasher, UnitOfWorkFactory
from bookstore.application.sessions import SessionIssuer, TokenPair
from bookstore.domain.errors import AuthenticationFailed, InvalidInput
from bookstore.domain.user import PASSWORD_MAX_LEN
from bookstore.domain.values import Email

WRONG_CREDENTIALS = "Wrong email or password."


@dataclass(frozen=True, slots=True)
class LogInCommand:
    email: str
    password: str


class LogIn:
    """Exchange an email and password for a token pair.

    - An unknown email, a wrong password and a disabled account fail alike, with the same
      message, and take about as long: unknown emails are checked against a dummy hash.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, hasher: PasswordHasher, sessions: SessionIssuer
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._sessions = sessions

    def __call__(self, command: LogInCommand) -> TokenPair:
        password = command.password[: PASSWORD_MAX_LEN + 1]
        try:
            email: Email | None = Email.parse(command.email)
        except InvalidInput:
            email = None
        with self._uow(read_only=True) as uow:
            user = uow.users.get_by_email(email) if email else None
        stored_hash = user.password_hash if user else self._hasher.dummy_hash()
        matches = self._hasher.verify(password, stored_hash)
        if user is None or not matches or not user.is_active:
            raise AuthenticationFailed(WRONG_CREDENTIALS)
        with self._uow() as uow:
            pair = self._sessions.open(uow, user.id)
            uow.commit()
        return pair
