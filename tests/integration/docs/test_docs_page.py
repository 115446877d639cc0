"""The docs page at /schema, in a real browser (headless Chromium, Debian's package): it renders
every operation from its own assets (no request leaves the app), Authorize logs in through the
OAuth2 form at POST /api/auth/token, and "Try it out" then calls the API as that user.

Skipped when Chromium or Playwright is missing, except under CI=true, where it must run."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from docs_support import require

pytestmark = pytest.mark.slow

CHROMIUM_NAMES = ("chromium", "chromium-browser")
LAUNCH_ARGS = [
    "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
EMAIL, PASSWORD = "docs-reader@example.com", "correct horse battery"
WAIT_MS = 20_000


def _chromium() -> str:
    path = next(filter(None, map(shutil.which, CHROMIUM_NAMES)), None)
    require(path is not None, "Chromium", "apt-get install chromium; .ci/run does")
    require(importlib.util.find_spec("playwright") is not None, "Playwright", "make install")
    assert path is not None
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Playwright's own browser builds are never downloaded: the system's Chromium runs.
        chromium = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Watched:
    """A page on which any request that leaves the app fails, and is remembered, as are the
    page's script errors."""

    page: Any
    outside_requests: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@pytest.fixture
def watched(browser: Any, server_url: str) -> Iterator[Watched]:
    context = browser.new_context()
    watched = Watched(context.new_page())

    def only_the_app(route: Any) -> None:
        if route.request.url.startswith(server_url):
            route.continue_()
        else:
            watched.outside_requests.append(route.request.url)
            route.abort()

    watched.page.route("**/*", only_the_app)
    watched.page.on("pageerror", lambda error: watched.problems.append(str(error)))
    watched.page.on(
        "console", lambda m: watched.problems.append(m.text) if m.type == "error" else None
    )
    yield watched
    context.close()


def test_the_docs_page_renders_every_operation_from_its_own_assets(
    watched: Watched, server_url: str
) -> None:
    page = watched.page
    document = httpx.get(f"{server_url}/schema/openapi.json").json()
    operation_ids = [
        op["operationId"] for item in document["paths"].values() for op in item.values()
    ]

    page.goto(f"{server_url}/schema")
    page.locator(".opblock").first.wait_for(timeout=WAIT_MS)

    assert "Imagine Bookstore API" in page.locator(".info .title").inner_text()
    assert "Unable to render" not in page.content()
    assert page.locator(".opblock").count() == len(operation_ids)
    for operation_id in operation_ids:
        assert page.locator(f'[id^="operations-"][id$="-{operation_id}"]').count() == 1, (
            operation_id
        )
    assert watched.outside_requests == []
    assert watched.problems == []


def test_authorize_logs_in_with_the_oauth2_form_and_try_it_out_calls_the_api(
    watched: Watched, server_url: str
) -> None:
    page = watched.page
    registered = httpx.post(
        f"{server_url}/api/auth/register", json={"email": EMAIL, "password": PASSWORD}
    )
    assert registered.status_code == 201, registered.text
    page.goto(f"{server_url}/schema")

    page.locator("button.authorize").first.click()
    oauth2 = page.locator(".auth-container", has_text="OAuth2Password")
    oauth2.locator("#oauth_username").fill(EMAIL)
    oauth2.locator("#oauth_password").fill(PASSWORD)
    with page.expect_response(f"{server_url}/api/auth/token") as token:
        oauth2.locator("button.authorize").click()
    oauth2.locator("h6", has_text="Authorized").wait_for(timeout=WAIT_MS)
    oauth2.locator("button.btn-done").click()

    me = page.locator('[id$="-getMe"]')
    me.locator(".opblock-summary").click()
    me.locator("button.try-out__btn").click()
    with page.expect_response(f"{server_url}/api/users/me") as answer:
        me.locator("button.execute").click()
    shown = me.locator(".live-responses-table tbody .response-col_status").first
    shown.wait_for(timeout=WAIT_MS)

    assert token.value.status == 200
    assert token.value.request.post_data_json["username"] == EMAIL
    assert answer.value.status == 200
    assert answer.value.request.headers["authorization"].startswith("Bearer ")
    assert shown.inner_text().strip() == "200"
    assert EMAIL in me.locator(".live-responses-table tbody .response-col_description").inner_text()
    assert watched.outside_requests == []
    assert watched.problems == []
