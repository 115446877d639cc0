from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import Cli, sqlite_cli

from bookstore.entrypoints.container import Container, create_container
from bookstore.entrypoints.settings import Settings


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """`bookstore` on a SQLite file of its own, run from an empty directory."""
    return sqlite_cli(tmp_path)


@pytest.fixture
def store(cli: Cli) -> Iterator[Container]:
    """The same database, opened in this process to look at what the commands did."""
    container = create_container(Settings(database_url=cli.database_url, bcrypt_rounds=4))
    yield container
    engine = getattr(container.uow(), "engine", None)
    if engine is not None:
        engine.dispose()
