"""Per-request context around the whole app: a request id, an access log line, safe headers.

It wraps Litestar's ASGI handler (not a route middleware), so unknown routes, wrong methods and
errors raised before routing get their id and log line too.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from bookstore.entrypoints.http.errors import REQUEST_ID_STATE_KEY

access_log = logging.getLogger("bookstore.access")

REQUEST_ID_HEADER = "x-request-id"
_SANE_REQUEST_ID = re.compile(r"^[\x21-\x7e]{1,200}$")


class RequestContext:
    """Echo the client's `X-Request-ID` when sane (1-200 printable characters), else make one;
    log one line per request: id, method, path, status, duration. Never a body, a query string
    (it may hold emails), or a header that could carry a password or token."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        request_id = _request_id(scope)
        private = scope["path"].startswith("/api/") or _has_credentials(scope)
        scope.setdefault("state", {})[REQUEST_ID_STATE_KEY] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                _add_headers(message, request_id, private)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            access_log.info(
                "%s %s %s %d %.1fms",
                request_id,
                method,
                _loggable(scope["path"]),
                status,
                (time.perf_counter() - started) * 1000,
            )


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER.encode():
            given = value.decode("latin-1")
            if _SANE_REQUEST_ID.match(given):
                return given
    return uuid.uuid4().hex


def _has_credentials(scope: Scope) -> bool:
    return any(name == b"authorization" for name, _ in scope["headers"])


def _add_headers(message: Message, request_id: str, private: bool) -> None:
    headers = MutableScopeHeaders.from_message(message)
    headers[REQUEST_ID_HEADER] = request_id
    headers.setdefault("x-content-type-options", "nosniff")
    if private:
        # API answers carry accounts, carts and tokens, and so may any answer to a request
        # with credentials: no shared or browser cache may keep them.
        headers.setdefault("cache-control", "no-store")


def _loggable(path: str) -> str:
    """Escape control and non-ASCII characters so a path cannot forge log lines."""
    return ascii(path[:500])[1:-1]
