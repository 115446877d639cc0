"""The command line's small helpers, in process."""

from __future__ import annotations

import pytest

from bookstore.entrypoints import container
from bookstore.entrypoints.cli import runtime
from bookstore.entrypoints.cli.errors import mask_url


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql+psycopg://shop:p%40ss@db:5432/shop",
            "postgresql+psycopg://shop:***@db:5432/shop",
        ),
        ("postgresql+psycopg://shop@db/shop", "postgresql+psycopg://shop@db/shop"),
        ("sqlite:///./bookstore.db", "sqlite:///./bookstore.db"),
        ("weird://user:secret@host:not-a-port", "weird://user:***@host:not-a-port"),
    ],
)
def test_printed_database_urls_never_show_the_password(url: str, shown: str) -> None:
    assert mask_url(url) == shown


@pytest.mark.parametrize("url", ["memory://", "sqlite://", "sqlite:///:memory:"])
def test_in_process_stores_are_recognised(url: str) -> None:
    assert runtime.is_process_local(url)


def test_the_command_line_and_the_container_agree_on_the_memory_url() -> None:
    assert runtime.MEMORY_URL == container.MEMORY_URL
