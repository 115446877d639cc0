"""Sessions: access tokens, refresh rotation with reuse detection, log-out, authentication."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from bookstore.application.ports import TokenClaims, TokenKind
from bookstore.application.sessions import TokenPair
from bookstore.application.use_cases import (
    LogOutCommand,
    RefreshSessionCommand,
    UpdateUserCommand,
)
from bookstore.domain.errors import AuthenticationFailed
from bookstore.domain.user import Actor, Role

from .support import Shop

EMAIL = "ada@example.com"


@pytest.fixture
def ada(shop: Shop) -> Actor:
    return shop.customer(EMAIL)


def refresh(shop: Shop, pair: TokenPair) -> TokenPair:
    return shop.app.refresh_session()(RefreshSessionCommand(pair.refresh_token))


def authenticate(shop: Shop, token: str) -> Actor:
    return shop.app.authenticate()(token).actor


def log_out(shop: Shop, pair: TokenPair, refresh_token: str | None = None) -> None:
    claims = shop.app.authenticate()(pair.access_token).claims
    shop.app.log_out()(LogOutCommand(claims, refresh_token))


def refresh_fails(shop: Shop, pair: TokenPair) -> bool:
    try:
        refresh(shop, pair)
    except AuthenticationFailed:
        return True
    return False


def authenticate_fails(shop: Shop, token: str) -> bool:
    try:
        authenticate(shop, token)
    except AuthenticationFailed:
        return True
    return False


# Authenticate


def test_an_access_token_speaks_for_its_account(shop: Shop, ada: Actor) -> None:
    authenticated = shop.app.authenticate()(shop.log_in(EMAIL).access_token)
    assert authenticated.actor == ada
    assert authenticated.claims.subject == ada.user_id
    assert authenticated.claims.kind is TokenKind.ACCESS


def test_a_refresh_token_is_not_an_access_token(shop: Shop, ada: Actor) -> None:
    assert authenticate_fails(shop, shop.log_in(EMAIL).refresh_token)


def test_an_access_token_expires_after_fifteen_minutes(shop: Shop, ada: Actor) -> None:
    pair = shop.log_in(EMAIL)
    shop.clock.advance(timedelta(minutes=14, seconds=59))
    assert authenticate(shop, pair.access_token) == ada
    shop.clock.advance(timedelta(seconds=10))
    assert authenticate_fails(shop, pair.access_token)


def test_the_access_token_lifetime_is_a_setting() -> None:
    shop = Shop.open(access_token_minutes=1)
    shop.customer(EMAIL)
    pair = shop.log_in(EMAIL)
    assert pair.expires_in == 60
    shop.clock.advance(timedelta(minutes=2))
    assert authenticate_fails(shop, pair.access_token)


@pytest.mark.parametrize("token", ["", "not.a.token", "a" * 500])
def test_a_malformed_token_is_refused(shop: Shop, token: str) -> None:
    assert authenticate_fails(shop, token)


def test_a_tampered_token_is_refused(shop: Shop, ada: Actor) -> None:
    token = shop.log_in(EMAIL).access_token
    header, payload, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    assert authenticate_fails(shop, f"{header}.{payload}.{flipped}")


def test_a_token_of_an_account_that_does_not_exist_is_refused(shop: Shop) -> None:
    now = shop.clock.now()
    claims = TokenClaims(uuid4(), "some-id", TokenKind.ACCESS, now, now + timedelta(minutes=5))
    assert authenticate_fails(shop, shop.app.tokens().issue(claims))


def test_every_token_of_a_disabled_account_stops_working_at_once(shop: Shop, ada: Actor) -> None:
    pair = shop.log_in(EMAIL)
    shop.app.update_user()(UpdateUserCommand(shop.root, ada.user_id, is_active=False))
    assert authenticate_fails(shop, pair.access_token)
    assert refresh_fails(shop, pair)


def test_a_re_enabled_account_works_again(shop: Shop, ada: Actor) -> None:
    pair = shop.log_in(EMAIL)
    update = shop.app.update_user()
    update(UpdateUserCommand(shop.root, ada.user_id, is_active=False))
    update(UpdateUserCommand(shop.root, ada.user_id, is_active=True))
    assert authenticate(shop, pair.access_token) == ada


def test_the_role_comes_from_the_account_as_it_is_now(shop: Shop, ada: Actor) -> None:
    pair = shop.log_in(EMAIL)
    shop.app.update_user()(UpdateUserCommand(shop.root, ada.user_id, role=Role.ADMIN))
    assert authenticate(shop, pair.access_token).role is Role.ADMIN


# Refresh


def test_refreshing_gives_a_new_pair_and_the_old_refresh_token_stops_working(
    shop: Shop, ada: Actor
) -> None:
    first = shop.log_in(EMAIL)
    second = refresh(shop, first)
    assert second.refresh_token != first.refresh_token
    assert authenticate(shop, second.access_token) == ada
    assert refresh_fails(shop, first)


def test_a_rotated_refresh_token_keeps_rotating(shop: Shop, ada: Actor) -> None:
    pair = shop.log_in(EMAIL)
    for _ in range(3):
        pair = refresh(shop, pair)
    assert authenticate(shop, pair.access_token) == ada


def test_reusing_a_rotated_refresh_token_revokes_its_whole_family(shop: Shop, ada: Actor) -> None:
    first = shop.log_in(EMAIL)
    second = refresh(shop, first)
    third = refresh(shop, second)
    assert refresh_fails(shop, first)  # a thief replays a stolen, already rotated token
    assert refresh_fails(shop, third)  # so the newest one stops working too


def test_reuse_in_one_session_leaves_another_log_in_alone(shop: Shop, ada: Actor) -> None:
    phone = shop.log_in(EMAIL)
    laptop = shop.log_in(EMAIL)
    refresh(shop, phone)
    assert refresh_fails(shop, phone)
    assert refresh(shop, laptop)


def test_an_access_token_cannot_refresh(shop: Shop, ada: Actor) -> None:
    pair = shop.log_in(EMAIL)
    with pytest.raises(AuthenticationFailed):
        shop.app.refresh_session()(RefreshSessionCommand(pair.access_token))


def test_a_refresh_token_expires_after_fourteen_days(shop: Shop, ada: Actor) -> None:
    pair = shop.log_in(EMAIL)
    shop.clock.advance(timedelta(days=14, minutes=1))
    assert refresh_fails(shop, pair)


def test_a_refresh_token_the_server_never_issued_is_refused(shop: Shop, ada: Actor) -> None:
    now = shop.clock.now()
    forged = TokenClaims(
        ada.user_id, "never-issued", TokenKind.REFRESH, now, now + timedelta(days=1), "fam"
    )
    with pytest.raises(AuthenticationFailed):
        shop.app.refresh_session()(RefreshSessionCommand(shop.app.tokens().issue(forged)))


def test_a_refresh_token_naming_someone_elses_session_is_refused(shop: Shop, ada: Actor) -> None:
    adas = shop.app.tokens().read(shop.log_in(EMAIL).refresh_token, TokenKind.REFRESH)
    bob = shop.customer("bob@example.com")
    now = shop.clock.now()
    crossed = TokenClaims(
        bob.user_id, adas.token_id, TokenKind.REFRESH, now, now + timedelta(days=1), adas.family_id
    )
    with pytest.raises(AuthenticationFailed):
        shop.app.refresh_session()(RefreshSessionCommand(shop.app.tokens().issue(crossed)))


def test_a_refused_refresh_of_a_disabled_account_does_not_spend_the_token(
    shop: Shop, ada: Actor
) -> None:
    pair = shop.log_in(EMAIL)
    update = shop.app.update_user()
    update(UpdateUserCommand(shop.root, ada.user_id, is_active=False))
    assert refresh_fails(shop, pair)
    update(UpdateUserCommand(shop.root, ada.user_id, is_active=True))
    assert refresh(shop, pair)


# Log out


def test_after_logging_out_the_access_token_is_refused(shop: Shop, ada: Actor) -> None:
    pair = shop.log_in(EMAIL)
    log_out(shop, pair)
    assert authenticate_fails(shop, pair.access_token)


def test_logging_out_with_a_refresh_token_revokes_it_and_its_family(shop: Shop, ada: Actor) -> None:
    first = shop.log_in(EMAIL)
    second = refresh(shop, first)
    log_out(shop, second, second.refresh_token)
    assert refresh_fails(shop, second)
    assert authenticate_fails(shop, second.access_token)


def test_logging_out_with_an_older_refresh_token_revokes_the_newer_ones(
    shop: Shop, ada: Actor
) -> None:
    first = shop.log_in(EMAIL)
    second = refresh(shop, first)
    log_out(shop, second, first.refresh_token)
    assert refresh_fails(shop, second)


def test_logging_out_leaves_the_other_sessions_working(shop: Shop, ada: Actor) -> None:
    phone = shop.log_in(EMAIL)
    laptop = shop.log_in(EMAIL)
    log_out(shop, phone, phone.refresh_token)
    assert authenticate(shop, laptop.access_token) == ada
    assert refresh(shop, laptop)


def test_logging_out_without_a_refresh_token_leaves_it_usable(shop: Shop, ada: Actor) -> None:
    pair = shop.log_in(EMAIL)
    log_out(shop, pair)
    assert refresh(shop, pair)


def test_another_users_refresh_token_given_at_log_out_is_ignored(shop: Shop, ada: Actor) -> None:
    shop.customer("bob@example.com")
    bob = shop.log_in("bob@example.com")
    mine = shop.log_in(EMAIL)
    log_out(shop, mine, bob.refresh_token)
    assert authenticate_fails(shop, mine.access_token)
    assert refresh(shop, bob)


@pytest.mark.parametrize("junk", ["", "junk", "a.b.c"])
def test_an_invalid_refresh_token_given_at_log_out_is_ignored(
    shop: Shop, ada: Actor, junk: str
) -> None:
    pair = shop.log_in(EMAIL)
    log_out(shop, pair, junk)
    assert authenticate_fails(shop, pair.access_token)


def test_an_access_token_given_as_the_refresh_token_at_log_out_is_ignored(
    shop: Shop, ada: Actor
) -> None:
    pair = shop.log_in(EMAIL)
    log_out(shop, pair, pair.access_token)
    assert refresh(shop, pair)
