"""The caller's own orders: placing, listing, reading and cancelling them."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import PathParameter

from bookstore.application.use_cases.cancel_order import CancelOrderCommand
from bookstore.application.use_cases.get_order import GetOrderCommand
from bookstore.application.use_cases.list_orders import ListMyOrdersCommand
from bookstore.application.use_cases.place_order import PlaceOrderCommand
from bookstore.application.use_cases.place_order_once import OrderPlacement
from bookstore.entrypoints.http.dependencies import (
    Injected,
    InjectedActor,
    InjectedPageRequest,
    container_of,
)
from bookstore.entrypoints.http.idempotency import (
    REPLAYED_HEADER,
    IdempotencyKey,
    keyed_command,
    placed,
    replay_keyed_order,
)
from bookstore.entrypoints.http.limits import Limit, rate_limited
from bookstore.entrypoints.http.openapi import OptionalBodyOperation
from bookstore.entrypoints.http.placement import storage_calls
from bookstore.entrypoints.http.problems import problems
from bookstore.entrypoints.http.requests import StrictJSONBody
from bookstore.entrypoints.http.schemas.common import LOCATION_HEADER
from bookstore.entrypoints.http.schemas.orders import (
    EMPTY_CANCEL_REQUEST,
    EMPTY_ORDER_REQUEST,
    CancelOrderRequest,
    OrderOut,
    OrderPage,
    PlaceOrderRequest,
    StatusFilter,
    order_out,
    order_page,
)
from bookstore.entrypoints.http.security import SignedInController, authenticated

OrderId = Annotated[UUID, PathParameter(description="The order's id.")]


class OrderController(SignedInController):
    path = "/api/orders"
    tags = ("orders",)

    @post(
        "/",
        operation_id="placeOrder",
        operation_class=OptionalBodyOperation,
        before_request=replay_keyed_order,
        middleware=[rate_limited(Limit.ORDERS_PER_USER)],
        response_headers=[LOCATION_HEADER, REPLAYED_HEADER],
        responses=problems(400, 401, 409, 413, 415, 422, 429),
    )
    async def place(
        self,
        request: Request[Any, Any, Any],
        idempotency_key: IdempotencyKey = None,
        data: StrictJSONBody[PlaceOrderRequest] = EMPTY_ORDER_REQUEST,
    ) -> Response[OrderOut]:
        """Turn the cart into an order: all lines or none; the cart is emptied.

        With `expected_total`, a total that differs is a 409 `quote-changed`; a coupon in the
        cart that no longer applies is a 409 `coupon-not-applicable`; nothing changes.

        With an `Idempotency-Key`, a retry answers the first order again and places nothing."""
        state = request.app.state
        container = container_of(state)
        calls = storage_calls(state)
        keyed = keyed_command(request)
        expected_total = data.expected()
        if keyed is None:
            command = PlaceOrderCommand(authenticated(request).actor, expected_total)
            placement = OrderPlacement(await calls.write(container.place_order(), command), False)
        else:
            keyed = replace(keyed, expected_total=expected_total)
            placement = await calls.write(container.place_order_once(), keyed)
        return placed(placement, container.store_config().currency)

    @get("/", operation_id="listOrders", sync_to_thread=True, responses=problems(400, 401))
    def list_mine(
        self,
        state: State,
        actor: InjectedActor,
        page_request: InjectedPageRequest,
        currency: Injected[str],
        status: StatusFilter = None,
    ) -> OrderPage:
        """The caller's orders, newest first; `status` keeps those in one status."""
        command = ListMyOrdersCommand(actor, page_request, status)
        return order_page(container_of(state).list_my_orders()(command), currency)

    @get(
        "/{order_id:uuid}",
        operation_id="getOrder",
        sync_to_thread=True,
        responses=problems(400, 401, 404),
    )
    def one(
        self, state: State, order_id: OrderId, actor: InjectedActor, currency: Injected[str]
    ) -> OrderOut:
        """One of the caller's orders; another user's order is not found."""
        command = GetOrderCommand(actor, order_id)
        return order_out(container_of(state).get_order()(command), currency)

    @post(
        "/{order_id:uuid}/cancel",
        operation_id="cancelOrder",
        status_code=200,
        sync_to_thread=True,
        operation_class=OptionalBodyOperation,
        responses=problems(400, 401, 404, 409, 413, 415),
    )
    def cancel(
        self,
        state: State,
        order_id: OrderId,
        actor: InjectedActor,
        currency: Injected[str],
        data: StrictJSONBody[CancelOrderRequest] = EMPTY_CANCEL_REQUEST,
    ) -> OrderOut:
        """Cancel one of the caller's orders, `placed` or `paid`: every copy goes back to stock.

        Any other status, or a second cancel, is a 409 `invalid-transition` with `from` and
        `to`; nothing changes."""
        command = CancelOrderCommand(actor, order_id, data.reason)
        return order_out(container_of(state).cancel_order()(command), currency)
