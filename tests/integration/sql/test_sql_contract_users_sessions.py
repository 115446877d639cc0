"""Users, refresh tokens and revoked access tokens, on every storage."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from sql_support import T0, a_user, add_users

from bookstore.application.ports import RefreshTokenRecord, UnitOfWorkFactory
from bookstore.application.queries import UserQuery
from bookstore.domain.errors import EmailAlreadyRegistered
from bookstore.domain.pagination import PageRequest
from bookstore.domain.user import Role
from bookstore.domain.values import Email


def test_a_user_round_trips(uow_factory: UnitOfWorkFactory) -> None:
    user = a_user("Ada@Example.com")
    add_users(uow_factory, user)
    with uow_factory(read_only=True) as uow:
        assert uow.users.get(user.id) == user
        assert uow.users.get_by_email(Email.parse("ADA@example.COM")) == user
        assert uow.users.get(uuid4()) is None
        assert uow.users.get_by_email(Email.parse("bob@example.com")) is None
    assert user.email.value == "ada@example.com"


def test_an_email_is_taken_whatever_its_case(uow_factory: UnitOfWorkFactory) -> None:
    add_users(uow_factory, a_user("ada@example.com"))
    with uow_factory() as uow, pytest.raises(EmailAlreadyRegistered):
        uow.users.add(a_user("ADA@EXAMPLE.com"))


def test_update_writes_every_field(uow_factory: UnitOfWorkFactory) -> None:
    user = a_user()
    add_users(uow_factory, user)
    changed = replace(user, role=Role.ADMIN, is_active=False, full_name="A. L.", password_hash="x")
    with uow_factory() as uow:
        uow.users.update(changed)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.users.get(user.id) == changed


def test_update_refuses_an_email_another_account_holds(uow_factory: UnitOfWorkFactory) -> None:
    ada, bob = a_user("ada@example.com"), a_user("bob@example.com")
    add_users(uow_factory, ada, bob)
    with uow_factory() as uow, pytest.raises(EmailAlreadyRegistered):
        uow.users.update(replace(bob, email=Email.parse("ADA@example.com")))
    with uow_factory() as uow:
        uow.users.update(replace(ada, email=Email.parse("Ada@Example.com"), full_name="Ada"))
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.users.get(bob.id) == bob
        assert uow.users.get(ada.id) == replace(ada, full_name="Ada")


def test_users_are_listed_oldest_first_filtered_by_email(uow_factory: UnitOfWorkFactory) -> None:
    emails = ["carol@shop.example", "ada@example.com", "a_b@example.com", "bob@shop.example"]
    users = [a_user(e, created_at=T0 + timedelta(minutes=n)) for n, e in enumerate(emails)]
    add_users(uow_factory, *reversed(users))
    with uow_factory(read_only=True) as uow:
        everyone = uow.users.list(UserQuery())
        shop = uow.users.list(UserQuery(email_contains="SHOP."))
        underscore = uow.users.list(UserQuery(email_contains="_"))
        second_page = uow.users.list(UserQuery(page=PageRequest(2, 3)))
    assert [u.email.value for u in everyone.items] == emails
    assert everyone.total == 4
    assert [u.email.value for u in shop.items] == ["carol@shop.example", "bob@shop.example"]
    assert shop.total == 2
    assert [u.email.value for u in underscore.items] == ["a_b@example.com"]
    assert ([u.email.value for u in second_page.items], second_page.total) == (emails[3:], 4)


def _token(user_id: UUID, family: str = "family-1") -> RefreshTokenRecord:
    return RefreshTokenRecord(uuid4().hex, family, user_id, expires_at=T0 + timedelta(days=30))


def test_a_refresh_token_round_trips(uow_factory: UnitOfWorkFactory) -> None:
    user = a_user()
    add_users(uow_factory, user)
    record = _token(user.id)
    with uow_factory() as uow:
        uow.sessions.add_refresh_token(record)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.sessions.get_refresh_token(record.token_id) == record
        assert uow.sessions.get_refresh_token("unknown") is None


def test_a_refresh_token_can_be_used_once(uow_factory: UnitOfWorkFactory) -> None:
    user = a_user()
    add_users(uow_factory, user)
    record = _token(user.id)
    with uow_factory() as uow:
        uow.sessions.add_refresh_token(record)
        uow.commit()
    with uow_factory() as uow:
        assert uow.sessions.use_refresh_token(record.token_id, T0)
        uow.commit()
    with uow_factory() as uow:
        assert not uow.sessions.use_refresh_token(record.token_id, T0)
        assert not uow.sessions.use_refresh_token("unknown", T0)
        assert uow.sessions.get_refresh_token(record.token_id) == replace(record, used_at=T0)


def test_revoking_a_family_revokes_each_of_its_tokens(uow_factory: UnitOfWorkFactory) -> None:
    user = a_user()
    add_users(uow_factory, user)
    first, second = _token(user.id, "stolen"), _token(user.id, "stolen")
    other = _token(user.id, "other")
    later = T0 + timedelta(hours=1)
    with uow_factory() as uow:
        for record in (first, second, other):
            uow.sessions.add_refresh_token(record)
        assert uow.sessions.use_refresh_token(first.token_id, T0)
        uow.sessions.revoke_family("stolen", later)
        uow.commit()
    with uow_factory() as uow:
        assert not uow.sessions.use_refresh_token(second.token_id, later)
        assert uow.sessions.get_refresh_token(first.token_id) == replace(
            first, used_at=T0, revoked_at=later
        )
        assert uow.sessions.get_refresh_token(other.token_id) == other
        assert uow.sessions.use_refresh_token(other.token_id, later)


def test_a_revoked_access_token_stays_revoked(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        assert not uow.sessions.is_access_token_revoked("jti-1")
        uow.sessions.revoke_access_token("jti-1", T0 + timedelta(minutes=15))
        uow.sessions.revoke_access_token("jti-1", T0 + timedelta(minutes=15))
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.sessions.is_access_token_revoked("jti-1")
        assert not uow.sessions.is_access_token_revoked("jti-2")
