from __future__ import annotations

from dataclasses import dataclass, replace

from bookstore.application.ports import Clock, IdGenerator, PasswordHasher, UnitOfWorkFactory
from bookstore.application.use_cases.register_user import RegisterUser, RegisterUserCommand
from bookstore.domain.errors import InvalidInput
from bookstore.domain.user import Role, User, check_password
from bookstore.domain.values import Email


@dataclass(frozen=True, slots=True)
class CreateAdminCommand:
    email: str
    password: str | None = None


class CreateAdmin:
    """An operator's command: make an admin account, or promote an existing user.

    - A new admin needs a valid password; promoting an existing user keeps theirs.
    - The account is active afterwards.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, hasher: PasswordHasher, clock: Clock, ids: IdGenerator
    ) -> None:
        self._uow = uow
        self._register = RegisterUser(uow, hasher, clock, ids)

    def __call__(self, command: CreateAdminCommand) -> User:
        email = Email.parse(command.email)
        with self._uow() as uow:
            existing = uow.users.get_by_email(email)
            if existing is not None:
                promoted = replace(existing, role=Role.ADMIN, is_active=True)
                uow.users.update(promoted)
                uow.commit()
                return promoted
        if command.password is None:
            raise InvalidInput.single("password", "is required to create a new admin")
        if (error := check_password(command.password)) is not None:
            raise InvalidInput([error])
        customer = self._register(RegisterUserCommand(command.email, command.password))
        return self(CreateAdminCommand(customer.email.value))
