"""`bookstore create-admin`: give the store its first admin, or promote a user."""

from __future__ import annotations

import click

from bookstore.application.queries import UserQuery
from bookstore.application.use_cases.create_admin import CreateAdminCommand
from bookstore.application.use_cases.list_users import ListUsersCommand
from bookstore.domain.errors import InvalidInput
from bookstore.domain.user import User
from bookstore.domain.values import Email
from bookstore.entrypoints.cli.errors import BadInput
from bookstore.entrypoints.cli.runtime import OPERATOR, Runtime, pass_runtime

PASSWORD_ENV = "BOOKSTORE_ADMIN_PASSWORD"


@click.command("create-admin")
@click.argument("email")
@click.option(
    "--password",
    envvar=PASSWORD_ENV,
    show_envvar=True,
    help="Password for a new account (8-128 characters); an existing user keeps theirs.",
)
@pass_runtime
def create_admin(runtime: Runtime, email: str, password: str | None) -> None:
    """Create an admin account EMAIL, or promote the existing user EMAIL to admin.

    Brings the database schema up to date first. The password is never printed.
    """
    runtime.migrate()
    before = _find_user(runtime, email)
    try:
        user = runtime.container.create_admin()(CreateAdminCommand(email, password))
    except InvalidInput as error:
        if password is None and any(e.field == "password" for e in error.errors):
            raise BadInput(
                f"a password is required to create a new admin: pass --password or set "
                f"{PASSWORD_ENV}"
            ) from None
        raise
    if before is None:
        click.echo(f"Created admin {user.email} (id {user.id}).")
    elif before.is_admin and before.is_active:
        click.echo(f"{user.email} (id {user.id}) is already an admin.")
    else:
        click.echo(f"Promoted {user.email} (id {user.id}) to admin.")
    if before is not None and password is not None:
        click.echo("The existing password was kept.", err=True)


def _find_user(runtime: Runtime, email: str) -> User | None:
    try:
        address = Email.parse(email)
    except InvalidInput:
        return None  # CreateAdmin reports the bad address itself
    query = UserQuery(email_contains=address.value)
    page = runtime.container.list_users()(ListUsersCommand(OPERATOR, query))
    return next((user for user in page.items if user.email == address), None)
