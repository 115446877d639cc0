"""The small adapters: password hashers, clocks and identifiers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bookstore.adapters.clock import ManualClock, SystemClock
from bookstore.adapters.hashing import BcryptHasher, FastHasher
from bookstore.adapters.ids import RandomIds
from bookstore.application.ports import PasswordHasher


@pytest.fixture(params=["bcrypt", "fast"])
def hasher(request: pytest.FixtureRequest) -> PasswordHasher:
    return BcryptHasher(rounds=4) if request.param == "bcrypt" else FastHasher()


def test_a_hash_verifies_its_password_and_no_other(hasher: PasswordHasher) -> None:
    stored = hasher.hash("correct horse battery staple")
    assert "correct horse" not in stored
    assert hasher.verify("correct horse battery staple", stored)
    assert not hasher.verify("correct horse battery stapler", stored)
    assert not hasher.verify("", stored)


def test_the_same_password_hashes_differently_each_time(hasher: PasswordHasher) -> None:
    assert hasher.hash("same password") != hasher.hash("same password")


@pytest.mark.parametrize("password", ["é" * 128, "🔑" * 128, "a\udcffb" * 10])
def test_any_password_of_up_to_128_characters_hashes_and_verifies(
    hasher: PasswordHasher, password: str
) -> None:
    assert hasher.verify(password, hasher.hash(password))


@pytest.mark.parametrize("garbage", ["", "not-a-hash", "$2b$04$short", "fast$", "\u00e9"])
def test_verifying_against_a_malformed_hash_is_false_not_an_error(
    hasher: PasswordHasher, garbage: str
) -> None:
    assert not hasher.verify("some password", garbage)


def test_the_dummy_hash_is_a_real_hash_of_nobodys_password(hasher: PasswordHasher) -> None:
    dummy = hasher.dummy_hash()
    assert not hasher.verify("", dummy)
    assert not hasher.verify("correct horse battery staple", dummy)


def test_bcrypt_computes_its_dummy_hash_once() -> None:
    hasher = BcryptHasher(rounds=4)
    assert hasher.dummy_hash() is hasher.dummy_hash()


def test_bcrypt_hashes_at_the_cost_it_was_given() -> None:
    assert BcryptHasher(rounds=5).hash("password").startswith("$2b$05$")


def test_a_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(datetime(2030, 5, 1, tzinfo=UTC))
    assert clock.now() == clock.now() == datetime(2030, 5, 1, tzinfo=UTC)
    clock.advance(timedelta(hours=2))
    assert clock.now() == datetime(2030, 5, 1, 2, tzinfo=UTC)


def test_clocks_tell_timezone_aware_utc_time() -> None:
    assert ManualClock().now().utcoffset() == timedelta(0)
    assert SystemClock().now().utcoffset() == timedelta(0)


def test_identifiers_are_unguessable_and_distinct() -> None:
    ids = RandomIds()
    assert len({ids.new_id() for _ in range(100)}) == 100
    tokens = {ids.new_token_id() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(token) >= 20 for token in tokens)
    assert ids.new_id().version == 4
