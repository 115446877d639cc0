from __future__ import annotations

from dataclasses import dataclass, field

from bookstore.application.authorization import require_admin
from bookstore.application.queries import UserQuery
from bookstore.application.use_cases.base import StorageUseCase
from bookstore.domain.pagination import Page
from bookstore.domain.user import Actor, User


@dataclass(frozen=True, slots=True)
class ListUsersCommand:
    actor: Actor
    query: UserQuery = field(default_factory=UserQuery)


class ListUsers(StorageUseCase):
    """Every account, optionally those whose email contains a text.

    - Only an admin may.
    """

    def __call__(self, command: ListUsersCommand) -> Page[User]:
        require_admin(command.actor)
        with self._uow(read_only=True) as uow:
            return uow.users.list(command.query)
