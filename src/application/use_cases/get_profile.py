from __future__ import annotations

from bookstore.application.use_cases.base import StorageUseCase
from bookstore.domain.errors import UserNotFound
from bookstore.domain.user import Actor, User


class GetProfile(StorageUseCase):
    """The caller's own account."""

    def __call__(self, actor: Actor) -> User:
        with self._uow(read_only=True) as uow:
            user = uow.users.get(actor.user_id)
        if user is None:
            raise UserNotFound(actor.user_id)
        return user
