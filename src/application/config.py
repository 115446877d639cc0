"""Store-wide settings the use cases obey, chosen by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bookstore.domain.book import DEFAULT_LOW_STOCK_THRESHOLD
from bookstore.domain.cart import CartLimits


@dataclass(frozen=True, slots=True)
class StoreConfig:
    currency: str = "USD"
    cart_limits: CartLimits = field(default_factory=CartLimits)
    access_token_ttl: timedelta = timedelta(minutes=15)
    refresh_token_ttl: timedelta = timedelta(days=14)
    idempotency_key_ttl: timedelta = timedelta(hours=24)
    low_stock_threshold: int = DEFAULT_LOW_STOCK_THRESHOLD
    """Given to a new book whose threshold was not set."""
    unpaid_order_ttl: timedelta | None = timedelta(minutes=60)
    """How long a placed order may stay unpaid before the system cancels it; None: forever."""
