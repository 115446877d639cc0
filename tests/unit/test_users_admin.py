"""Accounts: profiles, the admin's user list and switches, and creating admins."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from bookstore.application.queries import UserQuery
from bookstore.application.use_cases import (
    CreateAdminCommand,
    ListUsersCommand,
    UpdateUserCommand,
)
from bookstore.domain.errors import (
    AuthenticationFailed,
    Forbidden,
    InvalidInput,
    SelfLockout,
    UserNotFound,
)
from bookstore.domain.pagination import PageRequest
from bookstore.domain.user import Actor, Role
from bookstore.domain.values import Email

from .support import PASSWORD, Shop

# Profile


def test_a_profile_is_the_callers_own_account(shop: Shop) -> None:
    user = shop.register("ada@example.com")
    assert shop.app.get_profile()(Actor(user.id, user.role)) == user


def test_the_profile_of_an_account_that_is_gone_is_not_found(shop: Shop) -> None:
    with pytest.raises(UserNotFound):
        shop.app.get_profile()(Actor(uuid4(), Role.CUSTOMER))


# Update user


def test_an_admin_disables_an_account(shop: Shop) -> None:
    ada = shop.customer("ada@example.com")
    disabled = shop.app.update_user()(UpdateUserCommand(shop.root, ada.user_id, is_active=False))
    assert not disabled.is_active
    assert disabled.role is Role.CUSTOMER
    with pytest.raises(AuthenticationFailed):
        shop.log_in("ada@example.com")


def test_an_admin_promotes_and_demotes_an_account(shop: Shop) -> None:
    ada = shop.customer()
    promote = UpdateUserCommand(shop.root, ada.user_id, role=Role.ADMIN)
    assert shop.app.update_user()(promote).role is Role.ADMIN
    demote = UpdateUserCommand(shop.root, ada.user_id, role=Role.CUSTOMER)
    demoted = shop.app.update_user()(demote)
    assert demoted.role is Role.CUSTOMER
    assert demoted.is_active


def test_an_update_naming_nothing_changes_nothing(shop: Shop) -> None:
    user = shop.register()
    assert shop.app.update_user()(UpdateUserCommand(shop.root, user.id)) == user


@pytest.mark.parametrize(
    "changes",
    [{"is_active": False}, {"role": Role.CUSTOMER}, {"is_active": False, "role": Role.ADMIN}],
    ids=["disable", "demote", "disable-as-admin"],
)
def test_an_admin_cannot_lock_themselves_out(shop: Shop, changes: dict[str, Any]) -> None:
    admin = shop.admin("boss@example.com")
    with pytest.raises(SelfLockout):
        shop.app.update_user()(UpdateUserCommand(admin, admin.user_id, **changes))
    assert shop.log_in("boss@example.com")
    assert shop.app.get_profile()(admin).role is Role.ADMIN


def test_an_admin_may_confirm_their_own_standing(shop: Shop) -> None:
    admin = shop.admin()
    command = UpdateUserCommand(admin, admin.user_id, is_active=True, role=Role.ADMIN)
    assert shop.app.update_user()(command).is_admin


def test_an_admin_may_disable_another_admin(shop: Shop) -> None:
    other = shop.admin("other@example.com")
    shop.app.update_user()(UpdateUserCommand(shop.root, other.user_id, is_active=False))
    with pytest.raises(AuthenticationFailed):
        shop.log_in("other@example.com")


def test_updating_an_unknown_account_is_not_found(shop: Shop) -> None:
    with pytest.raises(UserNotFound):
        shop.app.update_user()(UpdateUserCommand(shop.root, uuid4(), is_active=False))


def test_a_customer_may_not_update_accounts_not_even_their_own(shop: Shop) -> None:
    ada = shop.customer()
    with pytest.raises(Forbidden):
        shop.app.update_user()(UpdateUserCommand(ada, ada.user_id, role=Role.ADMIN))
    assert shop.app.get_profile()(ada).role is Role.CUSTOMER


# List users


def test_an_admin_lists_every_account_oldest_first(shop: Shop) -> None:
    emails = []
    for name in ("carol", "alice", "bob"):
        shop.clock.advance(timedelta(minutes=1))
        emails.append(str(shop.register(f"{name}@example.com").email))
    shop.clock.advance(timedelta(minutes=1))
    admin = shop.admin("zed@example.com")
    page = shop.app.list_users()(ListUsersCommand(admin))
    assert [str(u.email) for u in page.items] == [*emails, "zed@example.com"]
    assert page.total == 4


def test_an_admin_finds_accounts_by_part_of_their_email(shop: Shop) -> None:
    shop.register("ada@lovelace.org")
    shop.register("bob@example.com")
    shop.register("ada.b@example.com")
    query = UserQuery(email_contains="ADA")
    found = shop.app.list_users()(ListUsersCommand(shop.root, query))
    assert {str(u.email) for u in found.items} == {"ada@lovelace.org", "ada.b@example.com"}


def test_the_user_list_comes_in_pages(shop: Shop) -> None:
    for _ in range(5):
        shop.register()
    query = UserQuery(page=PageRequest(2, 2), email_contains="customer")
    page = shop.app.list_users()(ListUsersCommand(shop.root, query))
    assert (len(page.items), page.total, page.page) == (2, 5, 2)


def test_a_customer_may_not_list_accounts(shop: Shop) -> None:
    with pytest.raises(Forbidden):
        shop.app.list_users()(ListUsersCommand(shop.customer()))


# Create admin


def test_create_admin_makes_a_new_active_admin_who_can_log_in(shop: Shop) -> None:
    admin = shop.app.create_admin()(CreateAdminCommand(" Boss@Example.com ", "a long password"))
    assert admin.role is Role.ADMIN
    assert admin.is_active
    assert admin.email == Email("boss@example.com")
    token = shop.log_in("boss@example.com", "a long password").access_token
    assert shop.app.authenticate()(token).actor == Actor(admin.id, Role.ADMIN)


def test_create_admin_promotes_an_existing_customer_who_keeps_their_password(shop: Shop) -> None:
    ada = shop.register("ada@example.com")
    promoted = shop.app.create_admin()(CreateAdminCommand("ADA@example.com", "ignored password"))
    assert (promoted.id, promoted.role) == (ada.id, Role.ADMIN)
    assert shop.log_in("ada@example.com", PASSWORD)
    with pytest.raises(AuthenticationFailed):
        shop.log_in("ada@example.com", "ignored password")


def test_create_admin_needs_no_password_to_promote(shop: Shop) -> None:
    ada = shop.register("ada@example.com")
    assert shop.app.create_admin()(CreateAdminCommand("ada@example.com")).id == ada.id


def test_create_admin_re_enables_a_disabled_account(shop: Shop) -> None:
    ada = shop.register("ada@example.com")
    shop.app.update_user()(UpdateUserCommand(shop.root, ada.id, is_active=False))
    assert shop.app.create_admin()(CreateAdminCommand("ada@example.com")).is_active
    assert shop.log_in("ada@example.com")


def test_create_admin_needs_a_password_for_a_new_account(shop: Shop) -> None:
    with pytest.raises(InvalidInput) as refused:
        shop.app.create_admin()(CreateAdminCommand("boss@example.com"))
    assert [e.field for e in refused.value.errors] == ["password"]
    assert not shop.user_ids()


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [("boss@example.com", "short", "password"), ("not-an-email", "a long password", "email")],
)
def test_create_admin_refuses_an_invalid_email_or_password(
    shop: Shop, email: str, password: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        shop.app.create_admin()(CreateAdminCommand(email, password))
    assert [e.field for e in refused.value.errors] == [field]
    assert not shop.user_ids()
