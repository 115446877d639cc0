"""The `Idempotency-Key` of POST /api/orders, as Stripe and the IETF draft define it.

The key is checked before the body is validated: a `before_request` hook answers a retry with
the first response (`Idempotent-Replayed: true`), or refuses a changed request (422), before
Litestar looks at the body. The placement itself claims the key in the order's transaction
(`PlaceOrderOnce`), so concurrent retries place at most one order.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

import msgspec
from litestar import Request, Response
from litestar.datastructures import ResponseHeader
from litestar.params import HeaderParameter

from bookstore.application.use_cases.place_order_once import (
    MAX_KEY_LEN,
    OrderPlacement,
    PlaceOrderOnceCommand,
)
from bookstore.entrypoints.http.dependencies import container_of
from bookstore.entrypoints.http.placement import storage_calls
from bookstore.entrypoints.http.requests import MalformedBody, decode_json
from bookstore.entrypoints.http.schemas.common import created
from bookstore.entrypoints.http.schemas.orders import OrderOut, order_out
from bookstore.entrypoints.http.security import authenticated

IDEMPOTENCY_KEY = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name=IDEMPOTENCY_KEY,
        min_length=1,
        max_length=MAX_KEY_LEN,
        description="Retry safely: the same key and body answer the first order again.",
    ),
]
REPLAYED_HEADER = ResponseHeader(
    name=REPLAYED,
    description="`true` when the answer replays an earlier one.",
    documentation_only=True,
)


_KEYED_COMMAND = "bookstore_keyed_order"
"""Where the request's keyed placement waits for the handler, in the request's state."""


async def replay_keyed_order(request: Request[Any, Any, Any]) -> Response[OrderOut] | None:
    """`before_request` hook: with a key, build the request's keyed placement (once: the
    handler runs the same command) and answer the first response again if this key already
    placed an order."""
    key = request.headers.get(IDEMPOTENCY_KEY)
    if key is None:
        return None
    actor = authenticated(request).actor
    command = PlaceOrderOnceCommand(actor, key, fingerprint(await request.body()))
    request.state[_KEYED_COMMAND] = command
    state = request.app.state
    container = container_of(state)
    placement = await storage_calls(state).read(container.place_order_once().replay, command)
    return None if placement is None else placed(placement, container.store_config().currency)


def keyed_command(request: Request[Any, Any, Any]) -> PlaceOrderOnceCommand | None:
    """The keyed placement `replay_keyed_order` built; None without a key."""
    command = request.state.get(_KEYED_COMMAND)
    return command if isinstance(command, PlaceOrderOnceCommand) else None


def placed(placement: OrderPlacement, currency: str) -> Response[OrderOut]:
    order = placement.order
    response = created(order_out(order, currency), f"/api/orders/{order.id}")
    if placement.replayed:
        response.headers[REPLAYED] = "true"
    return response


def fingerprint(body: bytes) -> str:
    """Same request, same fingerprint: no body and `{}` alike, key order and spacing aside."""
    try:
        content = decode_json(body) if body.strip() else {}
        canonical = msgspec.json.encode(content, order="sorted")
    except MalformedBody:
        canonical = body
    return hashlib.sha256(canonical).hexdigest()
