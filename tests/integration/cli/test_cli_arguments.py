"""Bad arguments and bad settings: exit code 2 and a message that says what to fix."""

from __future__ import annotations

import pytest
from cli_support import Cli, assert_clean_failure

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "args",
    [
        ("frobnicate",),
        ("serve", "--port", "not-a-port"),
        ("serve", "--workers", "0"),
        ("create-admin",),
        ("seed-demo", "--unknown-flag"),
        ("db", "downgrade"),
    ],
)
def test_bad_arguments_exit_2_with_usage(cli: Cli, args: tuple[str, ...]) -> None:
    result = cli.run(*args)

    assert_clean_failure(result, exit_code=2)
    assert "Usage: bookstore" in result.stderr


def test_help_lists_every_command(cli: Cli) -> None:
    result = cli.run("--help")

    assert result.returncode == 0
    for command in ("serve", "db", "create-admin", "seed-demo"):
        assert command in result.stdout


def test_production_without_a_jwt_secret_refuses_to_start(cli: Cli) -> None:
    result = cli.run("db", "upgrade", BOOKSTORE_ENV="production")

    line = assert_clean_failure(result, exit_code=2)
    assert "BOOKSTORE_JWT_SECRET is required in production" in line


def test_an_invalid_setting_is_named(cli: Cli) -> None:
    result = cli.run("seed-demo", BOOKSTORE_BCRYPT_ROUNDS="lots")

    line = assert_clean_failure(result, exit_code=2)
    assert "BOOKSTORE_BCRYPT_ROUNDS must be a whole number from 4 to 31" in line


def test_a_removed_setting_stops_the_server_naming_its_replacement(cli: Cli) -> None:
    result = cli.run("serve", BOOKSTORE_LOGINS_PER_MINUTE="30")

    line = assert_clean_failure(result, exit_code=2)
    assert "BOOKSTORE_LOGINS_PER_MINUTE" in line
    assert "BOOKSTORE_LOGIN_FAILURES_PER_ADDRESS_PER_MINUTE" in line


def test_several_workers_cannot_share_a_memory_store(cli: Cli) -> None:
    result = cli.run("serve", "--workers", "2", BOOKSTORE_DATABASE_URL="memory://")

    line = assert_clean_failure(result, exit_code=2)
    assert "--workers" in line
    assert "one process" in line
