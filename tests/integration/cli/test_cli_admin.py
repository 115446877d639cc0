"""`bookstore create-admin EMAIL`: creates an admin, or promotes an existing user."""

from __future__ import annotations

from uuid import UUID

import pytest
from cli_support import Cli, assert_clean_failure

from bookstore.application.queries import UserQuery
from bookstore.application.use_cases.list_users import ListUsersCommand
from bookstore.application.use_cases.log_in import LogInCommand
from bookstore.application.use_cases.register_user import RegisterUserCommand
from bookstore.domain.user import Actor, Role, User
from bookstore.entrypoints.container import Container

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"
ANY_ADMIN = Actor(UUID(int=1), Role.ADMIN)


def account(store: Container, email: str) -> User:
    page = store.list_users()(ListUsersCommand(ANY_ADMIN, UserQuery(email_contains=email)))
    (user,) = page.items
    return user


def test_creates_an_admin_who_can_log_in(cli: Cli, store: Container) -> None:
    result = cli.run("create-admin", "Ada@Example.com", "--password", PASSWORD)

    assert result.returncode == 0, result.stderr
    assert "Created admin ada@example.com" in result.stdout
    assert PASSWORD not in result.stdout + result.stderr
    assert account(store, "ada@example.com").role is Role.ADMIN
    assert store.log_in()(LogInCommand("ada@example.com", PASSWORD)).access_token


def test_takes_the_password_from_the_environment(cli: Cli, store: Container) -> None:
    result = cli.run("create-admin", "ops@example.com", BOOKSTORE_ADMIN_PASSWORD=PASSWORD)

    assert result.returncode == 0, result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    assert store.log_in()(LogInCommand("ops@example.com", PASSWORD)).access_token


def test_promotes_an_existing_customer_keeping_their_password(cli: Cli, store: Container) -> None:
    assert cli.run("db", "upgrade").returncode == 0
    store.register_user()(RegisterUserCommand("grace@example.com", PASSWORD))

    result = cli.run("create-admin", "grace@example.com")

    assert result.returncode == 0, result.stderr
    assert "Promoted grace@example.com" in result.stdout
    assert account(store, "grace@example.com").role is Role.ADMIN
    assert store.log_in()(LogInCommand("grace@example.com", PASSWORD)).access_token


def test_running_again_changes_nothing_and_keeps_the_first_password(
    cli: Cli, store: Container
) -> None:
    cli.run("create-admin", "ada@example.com", "--password", PASSWORD)

    again = cli.run("create-admin", "ada@example.com", "--password", "another password")

    assert again.returncode == 0, again.stderr
    assert "ada@example.com" in again.stdout
    assert "is already an admin" in again.stdout
    assert "existing password was kept" in again.stderr
    assert store.log_in()(LogInCommand("ada@example.com", PASSWORD)).access_token


def test_a_new_admin_without_a_password_is_refused_with_a_hint(cli: Cli) -> None:
    result = cli.run("create-admin", "ada@example.com")

    line = assert_clean_failure(result, exit_code=2)
    assert "--password" in line
    assert "BOOKSTORE_ADMIN_PASSWORD" in line


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [("not-an-email", PASSWORD, "email"), ("ada@example.com", "short", "password")],
)
def test_invalid_input_is_refused_with_exit_2(
    cli: Cli, email: str, password: str, field: str
) -> None:
    result = cli.run("create-admin", email, "--password", password)

    assert field in assert_clean_failure(result, exit_code=2)
    assert password not in result.stdout + result.stderr
