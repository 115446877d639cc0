from __future__ import annotations

from dataclasses import dataclass

from bookstore.application.ports import Clock, IdGenerator, PasswordHasher, UnitOfWorkFactory
from bookstore.domain.errors import EmailAlreadyRegistered
from bookstore.domain.user import FULL_NAME, Role, User, check_password
from bookstore.domain.values import Email, FieldErrors


@dataclass(frozen=True, slots=True)
class RegisterUserCommand:
    email: str
    password: str
    full_name: str | None = None


class RegisterUser:
    """Create a customer account.

    - The email is trimmed and unique whatever its case.
    - The password is 8 to 128 characters, and every character counts.
    - A new account is always an active customer: no caller chooses its role.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, hasher: PasswordHasher, clock: Clock, ids: IdGenerator
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._ids = ids

    def __call__(self, command: RegisterUserCommand) -> User:
        errors = FieldErrors()
        email = errors.capture(lambda: Email.parse(command.email))
        if (password_error := check_password(command.password)) is not None:
            errors.add(password_error.field, password_error.message)
        full_name = errors.text(FULL_NAME, command.full_name or "")
        valid_email = errors.require(email)
        with self._uow(read_only=True) as uow:
            if uow.users.get_by_email(valid_email) is not None:
                raise EmailAlreadyRegistered()
        # Hash outside the write transaction: bcrypt is slow and must not hold the lock.
        user = User(
            id=self._ids.new_id(),
            email=valid_email,
            full_name=full_name,
            role=Role.CUSTOMER,
            is_active=True,
            password_hash=self._hasher.hash(command.password),
            created_at=self._clock.now(),
        )
        with self._uow() as uow:
            uow.users.add(user)
            uow.commit()
        return user
