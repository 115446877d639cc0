"""Orders: the caller's own, and every user's for admins."""

from __future__ import annotations

from types import MappingProxyType
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import PathParameter, SkipValidation

from bookstore.application.queries import OrderQuery
from bookstore.application.use_cases.get_order import GetOrderCommand
from bookstore.application.use_cases.list_orders import (
    ListAllOrdersCommand,
    ListMyOrdersCommand,
)
from bookstore.application.use_cases.place_order import PlaceOrderCommand
from bookstore.application.use_cases.place_order_once import (
    OrderPlacement,
)
from bookstore.domain.pagination import PageRequest
from bookstore.domain.user import Actor
from bookstore.entrypoints.http.dependencies import container_of
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
    EMPTY_ORDER_REQUEST,
    OrderOut,
    OrderPage,
    PlaceOrderRequest,
    order_out,
    order_page,
    provide_order_query,
)
from bookstore.entrypoints.http.security import (
    BEARER,
    REQUIRES_USER,
    authenticated,
    requires_admin,
)

OrderId = Annotated[UUID, PathParameter(description="The order's id.")]


class OrderController(Controller):
    path = "/api/orders"
    tags = ("orders",)
    opt = REQUIRES_USER
    security = BEARER

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

        With an `Idempotency-Key`, a retry answers the first order again and places nothing."""
        state = request.app.state
        container = container_of(state)
        calls = storage_calls(state)
        keyed = keyed_command(request)
        if keyed is None:
            command = PlaceOrderCommand(authenticated(request).actor)
            placement = OrderPlacement(await calls.write(container.place_order(), command), False)
        else:
            placement = await calls.write(container.place_order_once(), keyed)
        return placed(placement, container.store_config().currency)

    @get("/", operation_id="listOrders", sync_to_thread=True, responses=problems(400, 401))
    def list_mine(
        self,
        state: State,
        actor: NamedDependency[SkipValidation[Actor]],
        page_request: NamedDependency[SkipValidation[PageRequest]],
        currency: NamedDependency[str],
    ) -> OrderPage:
        """The caller's orders, newest first."""
        use_cases = container_of(state)
        return order_page(
            use_cases.list_my_orders()(ListMyOrdersCommand(actor, page_request)), currency
        )

    @get(
        "/{order_id:uuid}",
        operation_id="getOrder",
        sync_to_thread=True,
        responses=problems(400, 401, 404),
    )
    def one(
        self,
        state: State,
        order_id: OrderId,
        actor: NamedDependency[SkipValidation[Actor]],
        currency: NamedDependency[str],
    ) -> OrderOut:
        """One of the caller's orders; another user's order is not found."""
        use_cases = container_of(state)
        return order_out(use_cases.get_order()(GetOrderCommand(actor, order_id)), currency)


class AdminOrderController(Controller):
    path = "/api/admin/orders"
    tags = ("admin",)
    guards = (requires_admin,)
    security = BEARER
    dependencies = MappingProxyType(
        {
            "order_query": Provide(provide_order_query, sync_to_thread=False),
        }
    )

    @get("/", operation_id="listAllOrders", sync_to_thread=True, responses=problems(400, 401, 403))
    def list_all(
        self,
        state: State,
        actor: NamedDependency[SkipValidation[Actor]],
        order_query: NamedDependency[SkipValidation[OrderQuery]],
        currency: NamedDependency[str],
    ) -> OrderPage:
        """Every user's orders, newest first; filter by `user_id` and `status`."""
        use_cases = container_of(state)
        return order_page(
            use_cases.list_all_orders()(ListAllOrdersCommand(actor, order_query)), currency
        )

    @get(
        "/{order_id:uuid}",
        operation_id="getAnyOrder",
        sync_to_thread=True,
        responses=problems(400, 401, 403, 404),
    )
    def one(
        self,
        state: State,
        order_id: OrderId,
        actor: NamedDependency[SkipValidation[Actor]],
        currency: NamedDependency[str],
    ) -> OrderOut:
        """Any user's order."""
        use_cases = container_of(state)
        return order_out(use_cases.get_order()(GetOrderCommand(actor, order_id)), currency)
