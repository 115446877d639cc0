"""What a newcomer meets first, tested as they would use it: the README's examples, the docs
page in a browser and a client generated from the OpenAPI document, each against a live
`bookstore serve` on a SQLite file loaded with the demo catalogue (as `make run` does)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from live_server import run, serving, sqlite_env


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a server of this module's own, with the demo catalogue."""
    workdir = tmp_path_factory.mktemp("live")
    env = sqlite_env(workdir)
    seeded = run(workdir, env, "seed-demo")
    assert seeded.returncode == 0, seeded.stderr
    with serving(workdir, env) as base:
        yield base
