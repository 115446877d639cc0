"""Shared fixtures for the unit suite, and the Hypothesis profiles.

`CI=true` loads the "ci" profile: derandomised (a failure reproduces from the same run),
no example database, and no deadline, since shared CI machines stall unpredictably.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from bookstore.domain.book import Book
from bookstore.domain.user import Actor

from .support import Shop

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
if os.environ.get("CI", "").lower() == "true":
    settings.load_profile("ci")


@pytest.fixture
def shop() -> Shop:
    """A fresh in-memory bookstore with a hand-set clock and a fast password hasher."""
    return Shop.open()


@pytest.fixture
def ada(shop: Shop) -> Actor:
    """A customer."""
    return shop.customer("ada@example.com")


@pytest.fixture
def dune(shop: Shop) -> Book:
    """Five copies at 9.99."""
    return shop.book("Dune", price="9.99", stock=5)


@pytest.fixture
def emma(shop: Shop) -> Book:
    """Two copies at 4.50."""
    return shop.book("Emma", price="4.50", stock=2)
