"""The HTTP app on a fresh store per test: in memory, and on a migrated SQLite file."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from http_support import Api, AppFactory, Session
from litestar.testing import TestClient

from bookstore.adapters.hashing import FastHasher
from bookstore.entrypoints.container import Container, create_container
from bookstore.entrypoints.http import create_app
from bookstore.entrypoints.settings import Settings


def _sql_adapter_available() -> bool:
    try:
        import bookstore.adapters.sql  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    from bookstore.adapters.sql import upgrade_database

    path = tmp_path_factory.mktemp("http-template") / "template.db"
    upgrade_database(f"sqlite:///{path}")
    return path


@pytest.fixture(
    params=[
        "memory",
        pytest.param(
            "sqlite",
            marks=pytest.mark.skipif(
                not _sql_adapter_available(), reason="bookstore.adapters.sql is not importable"
            ),
        ),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory://"
    template: Path = request.getfixturevalue("migrated_sqlite")
    path = tmp_path / "bookstore.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def make_api(database_url: str) -> Iterator[AppFactory]:
    """Build the app with settings of the test's choosing; every app is torn down after."""
    containers: list[Container] = []
    clients: list[TestClient[Any]] = []

    def build(**settings: Any) -> Api:
        defaults: dict[str, Any] = {"database_url": database_url, "bcrypt_rounds": 4}
        container = create_container(Settings(**(defaults | settings)))
        container.hasher.override(FastHasher())
        client = TestClient(create_app(container), raise_server_exceptions=False)
        client.__enter__()
        containers.append(container)
        clients.append(client)
        return Api(client, container)

    yield build
    for client in clients:
        client.__exit__(None, None, None)
    for container in containers:
        engine = getattr(container.uow(), "engine", None)
        if engine is not None:
            engine.dispose()


@pytest.fixture
def api(make_api: AppFactory) -> Api:
    return make_api()


@pytest.fixture
def customer(api: Api) -> Session:
    return api.customer()


@pytest.fixture
def admin(api: Api) -> Session:
    return api.admin()
