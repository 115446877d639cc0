"""The caller's own account, and every account for admins."""

from __future__ import annotations

from types import MappingProxyType
from typing import Annotated
from uuid import UUID

from litestar import get, patch
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import PathParameter

from bookstore.application.queries import UserQuery
from bookstore.application.use_cases.list_users import ListUsersCommand
from bookstore.entrypoints.http.dependencies import Injected, InjectedActor, container_of
from bookstore.entrypoints.http.problems import problems
from bookstore.entrypoints.http.requests import StrictJSONBody
from bookstore.entrypoints.http.schemas.users import (
    UserOut,
    UserPage,
    UserPatch,
    provide_user_query,
    update_user_command,
    user_out,
    user_page,
)
from bookstore.entrypoints.http.security import AdminController, SignedInController

UserId = Annotated[UUID, PathParameter(description="The user's id.")]


class UserController(SignedInController):
    path = "/api/users"
    tags = ("users",)

    @get("/me", operation_id="getMe", sync_to_thread=True, responses=problems(401))
    def me(self, state: State, actor: InjectedActor) -> UserOut:
        """The caller's account."""
        return user_out(container_of(state).get_profile()(actor))


class AdminUserController(AdminController):
    path = "/api/admin/users"
    dependencies = MappingProxyType(
        {"user_query": Provide(provide_user_query, sync_to_thread=False)}
    )

    @get("/", operation_id="listUsers", sync_to_thread=True, responses=problems(400, 401, 403))
    def list_users(
        self, state: State, actor: InjectedActor, user_query: Injected[UserQuery]
    ) -> UserPage:
        """Every account, optionally those whose email contains `email`."""
        return user_page(container_of(state).list_users()(ListUsersCommand(actor, user_query)))

    @patch(
        "/{user_id:uuid}",
        operation_id="updateUser",
        sync_to_thread=True,
        responses=problems(400, 401, 403, 404, 409, 413, 415),
    )
    def update(
        self, state: State, user_id: UserId, data: StrictJSONBody[UserPatch], actor: InjectedActor
    ) -> UserOut:
        """Enable, disable, promote or demote an account; never your own lock-out (409)."""
        command = update_user_command(actor, user_id, data)
        return user_out(container_of(state).update_user()(command))
