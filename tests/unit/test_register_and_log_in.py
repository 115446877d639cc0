"""Registering an account and logging in with it."""

from __future__ import annotations

import pytest

from bookstore.adapters.hashing import BcryptHasher
from bookstore.application.use_cases import (
    LogInCommand,
    RegisterUserCommand,
    UpdateUserCommand,
)
from bookstore.domain.errors import AuthenticationFailed, EmailAlreadyRegistered, InvalidInput
from bookstore.domain.user import Role, User
from bookstore.domain.values import Email

from .support import PASSWORD, Shop, actor_of


def register(
    shop: Shop, email: str, password: str = PASSWORD, full_name: str | None = None
) -> User:
    return shop.app.register_user()(RegisterUserCommand(email, password, full_name))


def test_a_new_account_is_an_active_customer_with_a_normalised_email(shop: Shop) -> None:
    user = register(shop, "  Ada.Lovelace@Example.COM ", full_name="  Ada Lovelace ")
    assert user.email == Email("ada.lovelace@example.com")
    assert user.full_name == "Ada Lovelace"
    assert user.role is Role.CUSTOMER
    assert user.is_active
    assert user.created_at == shop.clock.now()
    assert shop.app.get_profile()(actor_of(user)) == user


def test_the_password_is_stored_only_as_a_hash(shop: Shop) -> None:
    user = register(shop, "ada@example.com")
    assert PASSWORD not in user.password_hash
    assert PASSWORD not in repr(user)
    assert shop.app.hasher().verify(PASSWORD, user.password_hash)


def test_a_full_name_is_optional(shop: Shop) -> None:
    assert register(shop, "ada@example.com").full_name == ""


@pytest.mark.parametrize("again", ["ada@example.com", "ADA@EXAMPLE.COM", "  Ada@Example.com  "])
def test_an_email_already_registered_in_any_case_is_refused(shop: Shop, again: str) -> None:
    register(shop, "Ada@example.com")
    with pytest.raises(EmailAlreadyRegistered):
        register(shop, again, "another password")
    assert len(shop.user_ids()) == 1


@pytest.mark.parametrize("length", [8, 72, 128])
def test_a_password_of_8_to_128_characters_is_accepted(shop: Shop, length: int) -> None:
    register(shop, "ada@example.com", "p" * length)
    assert shop.log_in("ada@example.com", "p" * length).access_token


@pytest.mark.parametrize("password", ["", "p" * 7, "p" * 129, "pass\x00word"])
def test_a_password_too_short_too_long_or_with_nul_is_refused(shop: Shop, password: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        register(shop, "ada@example.com", password)
    assert [e.field for e in refused.value.errors] == ["password"]
    assert not shop.user_ids()


def test_a_password_length_counts_characters_not_bytes(shop: Shop) -> None:
    register(shop, "ada@example.com", "é" * 128)  # 256 bytes in UTF-8
    assert shop.log_in("ada@example.com", "é" * 128)


def test_every_offending_field_is_reported_at_once(shop: Shop) -> None:
    with pytest.raises(InvalidInput) as refused:
        register(shop, "not-an-email", "short", full_name="n" * 201)
    assert {e.field for e in refused.value.errors} == {"email", "password", "full_name"}


def test_two_passwords_differing_only_after_the_72nd_byte_are_different() -> None:
    shop = Shop.open(hasher=BcryptHasher(rounds=4))
    prefix = "x" * 72
    register(shop, "ada@example.com", prefix + "-first")
    assert shop.log_in("ada@example.com", prefix + "-first")
    with pytest.raises(AuthenticationFailed):
        shop.log_in("ada@example.com", prefix + "-second")
    with pytest.raises(AuthenticationFailed):
        shop.log_in("ada@example.com", prefix)


def test_logging_in_gives_a_bearer_token_pair_for_the_account(shop: Shop) -> None:
    user = register(shop, "ada@example.com")
    pair = shop.log_in("ada@example.com")
    assert pair.token_type == "bearer"
    assert pair.expires_in == 15 * 60
    assert pair.access_token != pair.refresh_token
    assert shop.app.authenticate()(pair.access_token).actor == actor_of(user)


def test_logging_in_ignores_the_case_and_spaces_of_the_email(shop: Shop) -> None:
    register(shop, "ada@example.com")
    assert shop.log_in("  ADA@Example.com ")


def failure_of(shop: Shop, email: str, password: str) -> str:
    with pytest.raises(AuthenticationFailed) as refused:
        shop.app.log_in()(LogInCommand(email, password))
    return refused.value.detail


def test_an_unknown_email_and_a_wrong_password_fail_alike(shop: Shop) -> None:
    register(shop, "ada@example.com")
    wrong_password = failure_of(shop, "ada@example.com", "not the password")
    unknown_email = failure_of(shop, "bob@example.com", PASSWORD)
    malformed_email = failure_of(shop, "bob", PASSWORD)
    assert wrong_password == unknown_email == malformed_email == "Wrong email or password."


def test_a_disabled_account_cannot_log_in_and_is_not_told_why(shop: Shop) -> None:
    user = register(shop, "ada@example.com")
    shop.app.update_user()(UpdateUserCommand(shop.root, user.id, is_active=False))
    assert failure_of(shop, "ada@example.com", PASSWORD) == "Wrong email or password."


def test_an_overlong_password_fails_to_log_in_without_error(shop: Shop) -> None:
    register(shop, "ada@example.com", "p" * 128)
    assert failure_of(shop, "ada@example.com", "p" * 10_000) == "Wrong email or password."
