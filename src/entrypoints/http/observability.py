"""Per-request context around the whole app: a request id, an access log line, safe headers.

It wraps Litestar's ASGI handler (not a route middleware), so unknown routes, wrong methods and
errors raised before routing get their id and log line too.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import time
from typing import Any

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
        request_id, credentials = _request_id_and_credentials(scope)
        private = credentials or scope["path"].startswith("/api/")
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
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %s %d %.1fms",
                    request_id,
                    method,
                    _loggable(scope["path"]),
                    status,
                    (time.perf_counter() - started) * 1000,
                )


_REQUEST_ID_NAME = REQUEST_ID_HEADER.encode()


def _request_id_and_credentials(scope: Scope) -> tuple[str, bool]:
    """The request id (the client's if sane, else a new one), and whether the request
    carries an `Authorization` header: one pass over the headers."""
    request_id = None
    credentials = False
    for name, value in scope["headers"]:
        if name == b"authorization":
            credentials = True
        elif name == _REQUEST_ID_NAME and request_id is None:
            given = value.decode("latin-1")
            if _SANE_REQUEST_ID.match(given):
                request_id = given
    return request_id or _new_request_id(), credentials


class _RequestIds:
    """New request ids: 16 random hex digits per process, then 16 of a counter. Unique, which
    is all an id needs, for a fraction of a random draw per request."""

    def __init__(self) -> None:
        self.reset()
        os.register_at_fork(after_in_child=self.reset)  # a forked worker draws its own

    def reset(self) -> None:
        self.prefix = os.urandom(8).hex()
        self.counter = itertools.count()

    def new(self) -> str:
        return f"{self.prefix}{next(self.counter):016x}"


_new_request_id = _RequestIds().new


def _add_headers(message: Message, request_id: str, private: bool) -> None:
    start: Any = message  # an `http.response.start` message
    headers = list(start.get("headers") or ())
    present = {name.lower() for name, _ in headers}
    if _REQUEST_ID_NAME in present:
        headers = [(n, v) for n, v in headers if n.lower() != _REQUEST_ID_NAME]
    headers.append((_REQUEST_ID_NAME, request_id.encode("latin-1")))
    if b"x-content-type-options" not in present:
        headers.append((b"x-content-type-options", b"nosniff"))
    if private and b"cache-control" not in present:
        # API answers carry accounts, carts and tokens, and so may any answer to a request
        # with credentials: no shared or browser cache may keep them.
        headers.append((b"cache-control", b"no-store"))
    start["headers"] = headers


def _loggable(path: str) -> str:
    """Escape control and non-ASCII characters so a path cannot forge log lines."""
    return ascii(path[:500])[1:-1]
