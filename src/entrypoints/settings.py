"""Settings from `BOOKSTORE_*` environment variables, and an optional `.env` file.

Real environment variables win over the `.env` file. Development defaults work on a fresh
machine; production refuses to start without a real JWT secret.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal, get_args, get_type_hints

import msgspec
from dotenv import dotenv_values

PREFIX = "BOOKSTORE_"
MIN_SECRET_BYTES = 32
DEVELOPMENT_SECRET = "development-only-secret-never-use-in-production!"
DEVELOPMENT_WEBHOOK_SECRET = "development-only-webhook-secret-never-in-production"

PositiveInt = Annotated[int, msgspec.Meta(ge=1, le=10_000_000)]


class SettingsError(ValueError):
    """Settings that cannot work; the message says which and why."""


REMOVED: Mapping[str, str] = {
    "LOGINS_PER_MINUTE": (
        "successful log-ins no longer count per client address; "
        "BOOKSTORE_LOGIN_FAILURES_PER_ADDRESS_PER_MINUTE limits the failed ones"
    ),
}
"""Settings that no longer exist, and what replaces each. Unknown variables are ignored, but
one of these still set means an operator relies on a limit that is gone: refused."""


class Settings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=False):
    env: Literal["development", "production"] = "development"
    database_url: str = "sqlite:///./bookstore.db"
    jwt_secret: str = ""
    access_token_minutes: PositiveInt = 15
    refresh_token_days: PositiveInt = 14
    currency: Annotated[str, msgspec.Meta(pattern="^[A-Z]{3}$")] = "USD"
    max_line_quantity: PositiveInt = 100
    max_cart_books: PositiveInt = 100
    catalog_requires_auth: bool = False
    rate_limits: Literal["on", "off"] = "on"
    login_failures_per_minute: PositiveInt = 10
    """Failed log-ins per account and minute; the next attempt is refused, whatever the password."""
    login_failures_per_address_per_minute: PositiveInt = 100
    """Failed log-ins per client address and minute, whatever the accounts; successful log-ins
    never count, since many customers share one address behind a NAT."""
    registrations_per_hour: PositiveInt = 50
    """Registration attempts per client address and hour."""
    orders_per_minute: PositiveInt = 60
    """Order placements per user and minute."""
    redis_url: str = ""
    """Where the rate-limit counters live, shared by every server process; in memory when empty."""
    redis_namespace: Annotated[str, msgspec.Meta(pattern=r"^[\w.-]{1,64}$")] = "bookstore"
    cors_origins: str = ""
    trusted_proxies: str = ""
    """Addresses or networks (CIDR) of proxies whose `X-Forwarded-For` is believed."""
    max_body_bytes: PositiveInt = 1024 * 1024
    bcrypt_rounds: Annotated[int, msgspec.Meta(ge=4, le=31)] = 12
    low_stock_threshold: Annotated[int, msgspec.Meta(ge=0, le=1_000_000)] = 5
    """A new book's low-stock threshold, unless it is given one."""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    payment_provider: Literal["", "sandbox"] = ""
    """The payment provider; unset means the sandbox, which production must choose
    explicitly."""
    payment_webhook_secret: str = ""
    """Signs the provider's webhooks (`Bookstore-Signature`); required in production."""
    sandbox_async_seconds: Annotated[float, msgspec.Meta(ge=0, le=86_400)] = 2
    """How long the sandbox's `pm_card_async*` payments stay `processing`."""
    unpaid_order_minutes: Annotated[int, msgspec.Meta(ge=0, le=10_000_000)] = 60
    """A placed order unpaid this long is cancelled by the system; 0 never."""
    embedded_worker: bool = True
    """`bookstore serve` runs the periodic jobs itself (one worker per instance)."""
    # Events, e-mail and webhooks (§14).
    smtp_url: str = ""
    """`smtp://user:password@host:port[?starttls=true]`; unset, mail goes to `mail_dir`."""
    mail_dir: str = "./mail"
    """Where mail is written as `.eml` files when no SMTP server is set."""
    mail_from: Annotated[str, msgspec.Meta(min_length=3, max_length=254)] = (
        "Imagine Bookstore <no-reply@bookstore.invalid>"
    )
    webhook_max_attempts: Annotated[int, msgspec.Meta(ge=1, le=100)] = 8
    """Attempts of a webhook (or e-mail) delivery before it is `dead`."""
    event_claim_seconds: Annotated[float, msgspec.Meta(ge=1, le=86_400)] = 120
    """How long a worker holds the deliveries it claimed: a worker killed mid-delivery lets
    them go after this (longer than any attempt: a webhook times out after 10 s)."""
    webhook_allow_private: bool = False
    """In production, webhook URLs resolving to private or loopback addresses are refused
    unless this is true (development always allows them)."""
    metrics_token: str = ""
    """GET /metrics is served only when set, to callers sending it as a bearer token."""
    db_pool_size: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 5
    """PostgreSQL connections each process keeps open (SQLite: pooled file handles)."""
    db_max_overflow: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 10
    """Connections a process may open beyond `db_pool_size` under load, closed when given back:
    a process never holds more than `db_pool_size + db_max_overflow` (README, "Pool sizing")."""

    @property
    def rate_limits_on(self) -> bool:
        return self.rate_limits == "on"

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def effective_jwt_secret(self) -> str:
        """The configured secret; in development only, a fixed default when none is set."""
        return self.jwt_secret or self._in_development(
            DEVELOPMENT_SECRET, "BOOKSTORE_JWT_SECRET is required in production"
        )

    @property
    def effective_webhook_secret(self) -> str:
        """The configured webhook secret; in development only, a fixed default."""
        return self.payment_webhook_secret or self._in_development(
            DEVELOPMENT_WEBHOOK_SECRET, "BOOKSTORE_PAYMENT_WEBHOOK_SECRET is required in production"
        )

    @property
    def effective_payment_provider(self) -> str:
        return self.payment_provider or self._in_development(
            "sandbox",
            "production takes no payment provider by default: set "
            "BOOKSTORE_PAYMENT_PROVIDER=sandbox to run the sandbox (test cards only)",
        )

    def _in_development(self, default: str, refusal: str) -> str:
        """`default` for a setting left empty, in development; production refuses."""
        if self.is_production:
            raise SettingsError(refusal)
        return default

    def check(self) -> Settings:
        """Refuse settings that cannot run safely. Messages name settings, never values."""
        _refuse_short("JWT_SECRET", self.effective_jwt_secret)
        _refuse_short("PAYMENT_WEBHOOK_SECRET", self.effective_webhook_secret)
        self.effective_payment_provider  # noqa: B018 - refuses an implicit sandbox in production
        if self.smtp_url:
            from bookstore.adapters.mail.smtp import SmtpServer

            try:
                SmtpServer.parse(self.smtp_url)
            except ValueError as error:
                raise SettingsError(f"BOOKSTORE_SMTP_URL {error}") from None
        if self.metrics_token:
            _refuse_short("METRICS_TOKEN", self.metrics_token)
        return self

    @property
    def webhooks_may_call_private(self) -> bool:
        return self.webhook_allow_private or not self.is_production

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]


def _refuse_short(name: str, secret: str) -> None:
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise SettingsError(f"{PREFIX}{name} must be at least {MIN_SECRET_BYTES} bytes")


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Read settings; the `.env` file (if present) fills in what the environment lacks."""
    raw: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        raw.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    raw.update(os.environ if environ is None else environ)
    fields = {
        key.removeprefix(PREFIX).lower(): value
        for key, value in raw.items()
        if key.startswith(PREFIX) and not key.startswith(PREFIX + "TEST_")
    }
    for name, replacement in REMOVED.items():
        if name.lower() in fields:
            raise SettingsError(f"{PREFIX}{name} was removed: {replacement}")
    try:
        # Unknown variables are ignored: msgspec skips fields the struct does not declare.
        settings = msgspec.convert(fields, Settings, strict=False)
    except msgspec.ValidationError as error:
        raise SettingsError(_explain(error, fields)) from None
    return settings.check()


_FIELD = re.compile(r"`\$\.(\w+)`")
_FORMATS = {
    "currency": "a three-letter code in capitals, such as USD",
    "redis_namespace": "1 to 64 letters, digits, '.', '-' or '_'",
}


def _explain(error: msgspec.ValidationError, given: Mapping[str, str]) -> str:
    """`BOOKSTORE_RATE_LIMITS must be one of: on, off (not 'maybe')`: the variable an operator
    sets, and what it takes, rather than msgspec's path into the struct."""
    match = _FIELD.search(str(error))
    if match is None or match.group(1) not in given:
        return f"invalid setting: {error}"
    name = match.group(1)
    return f"{PREFIX}{name.upper()} must be {_allowed(name)} (not {given[name][:64]!r})"


def _allowed(name: str) -> str:
    hint = get_type_hints(Settings, include_extras=True)[name]
    info = msgspec.inspect.type_info(hint)
    if isinstance(info, msgspec.inspect.LiteralType):
        return "one of: " + ", ".join(str(value) for value in get_args(hint))
    if isinstance(info, msgspec.inspect.BoolType):
        return "true or false"
    if isinstance(info, msgspec.inspect.IntType):
        return f"a whole number from {info.ge} to {info.le}"
    if isinstance(info, msgspec.inspect.FloatType):
        return f"a number from {info.ge} to {info.le}"
    return _FORMATS.get(name, "valid")
