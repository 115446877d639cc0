from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID

from bookstore.application.authorization import require_admin
from bookstore.application.use_cases.base import StorageUseCase
from bookstore.domain.errors import SelfLockout, UserNotFound
from bookstore.domain.user import Actor, Role, User


@dataclass(frozen=True, slots=True)
class UpdateUserCommand:
    actor: Actor
    user_id: UUID
    is_active: bool | None = None
    role: Role | None = None


class UpdateUser(StorageUseCase):
    """Enable, disable, promote or demote an account.

    - Only an admin may, and never to lock themselves out (disable or demote themselves).
    - A disabled user is locked out at once: log-in, refresh and every token they hold.
    """

    def __call__(self, command: UpdateUserCommand) -> User:
        require_admin(command.actor)
        if command.user_id == command.actor.user_id and _locks_out(command):
            raise SelfLockout()
        with self._uow() as uow:
            user = uow.users.get(command.user_id)
            if user is None:
                raise UserNotFound(command.user_id)
            updated = replace(
                user,
                is_active=user.is_active if command.is_active is None else command.is_active,
                role=command.role or user.role,
            )
            uow.users.update(updated)
            uow.commit()
        return updated


def _locks_out(command: UpdateUserCommand) -> bool:
    return command.is_active is False or command.role not in (None, Role.ADMIN)
