"""Settings from BOOKSTORE_* variables and .env, and the container built from them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from dependency_injector import providers

from bookstore.adapters.hashing import FastHasher
from bookstore.adapters.memory import MemoryUnitOfWorkFactory
from bookstore.application.use_cases import LogInCommand, RegisterUserCommand
from bookstore.domain.cart import CartLimits
from bookstore.entrypoints.container import create_container, make_store_config
from bookstore.entrypoints.settings import (
    DEVELOPMENT_SECRET,
    Settings,
    SettingsError,
    load_settings,
)

from .support import SECRET


def load(env_file: Path | None = None, **environ: str) -> Settings:
    return load_settings({f"BOOKSTORE_{k.upper()}": v for k, v in environ.items()}, env_file)


def test_a_fresh_machine_gets_working_development_defaults() -> None:
    settings = load()
    assert settings.env == "development"
    assert settings.database_url == "sqlite:///./bookstore.db"
    assert settings.effective_jwt_secret == DEVELOPMENT_SECRET
    assert (settings.max_line_quantity, settings.max_cart_books) == (100, 100)
    assert settings.rate_limits == "on"


def test_values_are_read_from_text_into_their_types() -> None:
    settings = load(
        max_line_quantity="5",
        catalog_requires_auth="true",
        currency="EUR",
        cors_origins=" https://a.example , https://b.example ,",
    )
    assert settings.max_line_quantity == 5
    assert settings.catalog_requires_auth is True
    assert settings.currency == "EUR"
    assert settings.cors_origin_list == ["https://a.example", "https://b.example"]


def test_unknown_test_and_unprefixed_variables_are_ignored() -> None:
    environ = {
        "BOOKSTORE_SOMETHING_NEW": "x",
        "BOOKSTORE_TEST_POSTGRES_URL": "postgresql://ignored",
        "DATABASE_URL": "postgresql://ignored",
    }
    assert load_settings(environ, env_file=None) == Settings()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("max_line_quantity", "many"),
        ("max_line_quantity", "0"),
        ("currency", "euro"),
        ("env", "staging"),
        ("bcrypt_rounds", "3"),
    ],
)
def test_a_value_that_cannot_work_is_refused_naming_the_setting(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"^BOOKSTORE_{name.upper()} must be "):
        load(**{name: value})


def test_failed_log_ins_per_address_default_to_a_hundred_a_minute() -> None:
    lifted = load(login_failures_per_address_per_minute="7")
    assert load().login_failures_per_address_per_minute == 100
    assert lifted.login_failures_per_address_per_minute == 7


@pytest.mark.parametrize("env_file_too", [False, True])
def test_the_removed_logins_per_minute_is_refused_naming_its_replacement(
    tmp_path: Path, env_file_too: bool
) -> None:
    """Silently ignored, it would leave an operator believing in a limit that is gone."""
    env_file = tmp_path / ".env"
    env_file.write_text("BOOKSTORE_LOGINS_PER_MINUTE=30\n" if env_file_too else "")
    environ = {} if env_file_too else {"BOOKSTORE_LOGINS_PER_MINUTE": "30"}

    with pytest.raises(SettingsError) as refused:
        load_settings(environ, env_file)

    message = str(refused.value)
    assert "BOOKSTORE_LOGINS_PER_MINUTE" in message
    assert "BOOKSTORE_LOGIN_FAILURES_PER_ADDRESS_PER_MINUTE" in message


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("rate_limits", "maybe", "BOOKSTORE_RATE_LIMITS must be one of: on, off (not 'maybe')"),
        ("log_level", "debug", "BOOKSTORE_LOG_LEVEL must be one of: DEBUG, INFO, WARNING, ERROR"),
        ("env", "prod", "BOOKSTORE_ENV must be one of: development, production"),
        ("bcrypt_rounds", "lots", "BOOKSTORE_BCRYPT_ROUNDS must be a whole number from 4 to 31"),
        ("catalog_requires_auth", "perhaps", "BOOKSTORE_CATALOG_REQUIRES_AUTH must be true or"),
        ("currency", "usd", "BOOKSTORE_CURRENCY must be a three-letter code in capitals"),
    ],
)
def test_a_refused_setting_names_its_variable_and_what_it_takes(
    name: str, value: str, message: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        load(**{name: value})

    assert str(refused.value).startswith(message)
    assert "$." not in str(refused.value)


def test_the_env_file_fills_in_what_the_environment_lacks(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("BOOKSTORE_CURRENCY=GBP\nBOOKSTORE_MAX_CART_BOOKS=7\n")
    settings = load(env_file, currency="EUR")
    assert (settings.currency, settings.max_cart_books) == ("EUR", 7)


def test_a_missing_env_file_is_fine(tmp_path: Path) -> None:
    assert load(tmp_path / "absent.env") == Settings()


def test_production_refuses_to_start_without_a_secret() -> None:
    with pytest.raises(SettingsError, match="JWT_SECRET"):
        load(env="production")


def test_production_refuses_a_secret_shorter_than_32_bytes() -> None:
    with pytest.raises(SettingsError, match="32 bytes"):
        load(env="production", jwt_secret="s" * 31)
    payments = {"payment_provider": "sandbox", "payment_webhook_secret": "w" * 32}
    assert load(env="production", jwt_secret="s" * 32, **payments).is_production


def test_production_needs_a_webhook_secret_and_an_explicit_payment_provider() -> None:
    jwt = {"jwt_secret": "s" * 32}
    with pytest.raises(SettingsError, match="BOOKSTORE_PAYMENT_WEBHOOK_SECRET is required"):
        load(env="production", payment_provider="sandbox", **jwt)
    with pytest.raises(SettingsError, match="BOOKSTORE_PAYMENT_WEBHOOK_SECRET must be at least"):
        load(env="production", payment_provider="sandbox", payment_webhook_secret="w" * 31, **jwt)
    with pytest.raises(SettingsError, match="BOOKSTORE_PAYMENT_PROVIDER=sandbox") as refused:
        load(env="production", payment_webhook_secret="secret-" + "w" * 32, **jwt)
    assert "secret-" not in str(refused.value)
    assert load(payment_webhook_secret="").effective_payment_provider == "sandbox"


def test_a_secret_too_short_to_sign_tokens_is_refused_in_development_too() -> None:
    """The token service refuses secrets under 32 bytes in every mode, so accepting one
    here only postpones the failure to the first log-in (a 500 over HTTP)."""
    with pytest.raises(SettingsError, match="32 bytes"):
        load(jwt_secret="short")


def test_the_store_config_follows_the_settings() -> None:
    settings = Settings(
        currency="EUR",
        max_line_quantity=3,
        max_cart_books=4,
        access_token_minutes=5,
        refresh_token_days=2,
    )
    config = make_store_config(settings)
    assert config.currency == "EUR"
    assert config.cart_limits == CartLimits(max_line_quantity=3, max_distinct_books=4)
    assert config.access_token_ttl == timedelta(minutes=5)
    assert config.refresh_token_ttl == timedelta(days=2)


def test_the_container_keeps_everything_in_memory_by_default() -> None:
    store = create_container()
    assert isinstance(store.uow(), MemoryUnitOfWorkFactory)
    assert store.uow() is store.uow()


def test_every_use_case_of_one_container_shares_one_store() -> None:
    store = create_container(Settings(database_url="memory://", jwt_secret=SECRET))
    store.hasher.override(providers.Object(FastHasher()))
    store.register_user()(RegisterUserCommand("ada@example.com", "a long password"))
    assert store.log_in()(LogInCommand("ada@example.com", "a long password"))


def test_two_containers_are_two_separate_stores() -> None:
    first, second = create_container(), create_container()
    assert first.uow() is not second.uow()
