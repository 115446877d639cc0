"""Orders: the caller's own (placed, listed, cancelled), and every user's for admins (listed,
moved along their life)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import PathParameter, SkipValidation

from bookstore.application.queries import OrderQuery
from bookstore.application.use_cases.cancel_order import CancelOrder, CancelOrderCommand
from bookstore.application.use_cases.change_order_status import (
    ChangeOrderStatus,
    ChangeOrderStatusCommand,
)
from bookstore.application.use_cases.get_order import GetOrder, GetOrderCommand
from bookstore.application.use_cases.list_orders import (
    ListAllOrders,
    ListAllOrdersCommand,
    ListMyOrders,
    ListMyOrdersCommand,
)
from bookstore.application.use_cases.place_order import PlaceOrder, PlaceOrderCommand
from bookstore.application.use_cases.place_order_once import (
    OrderPlacement,
    PlaceOrderOnce,
    PlaceOrderOnceCommand,
)
from bookstore.domain.pagination import PageRequest
from bookstore.domain.user import Actor
from bookstore.entrypoints.http.dependencies import container_of, use_case
from bookstore.entrypoints.http.idempotency import (
    REPLAYED_HEADER,
    IdempotencyKey,
    keyed_command,
    placed,
    replay_keyed_order,
)
from bookstore.entrypoints.http.limits import Limit, rate_limited
from bookstore.entrypoints.http.openapi import OptionalBodyOperation
from bookstore.entrypoints.http.placement import run_write
from bookstore.entrypoints.http.problems import problems
from bookstore.entrypoints.http.requests import StrictJSONBody
from bookstore.entrypoints.http.schemas.common import LOCATION_HEADER
from bookstore.entrypoints.http.schemas.orders import (
    EMPTY_CANCEL_REQUEST,
    EMPTY_ORDER_REQUEST,
    CancelOrderRequest,
    OrderOut,
    OrderPage,
    OrderStatusRequest,
    PlaceOrderRequest,
    StatusFilter,
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
    dependencies = MappingProxyType(
        {
            "keyed": Provide(keyed_command),
            "list_my_orders": use_case(lambda c: c.list_my_orders),
            "get_order": use_case(lambda c: c.get_order),
            "cancel_order": use_case(lambda c: c.cancel_order),
        }
    )

    @post(
        "/",
        operation_class=OptionalBodyOperation,
        before_request=replay_keyed_order,
        middleware=[rate_limited(Limit.ORDERS_PER_USER)],
        response_headers=[LOCATION_HEADER, REPLAYED_HEADER],
        responses=problems(400, 401, 409, 413, 415, 422, 429),
    )
    async def place(
        self,
        request: Request[Any, Any, Any],
        keyed: NamedDependency[SkipValidation[PlaceOrderOnceCommand | None]],
        idempotency_key: IdempotencyKey = None,
        data: StrictJSONBody[PlaceOrderRequest] = EMPTY_ORDER_REQUEST,
    ) -> Response[OrderOut]:
        """Turn the cart into an order: all lines or none; the cart is emptied.

        With an `Idempotency-Key`, a retry answers the first order again and places nothing."""
        # The hot write takes the caller and its use cases itself: each `Provide` costs a
        # resolution per request.
        state = request.app.state
        container = container_of(state)
        currency = container.store_config().currency
        if keyed is None:
            place_order: PlaceOrder = container.place_order()
            command = PlaceOrderCommand(authenticated(request).actor)
            order = await run_write(state, place_order, command)
            return placed(OrderPlacement(order, False), currency)
        place_order_once: PlaceOrderOnce = container.place_order_once()
        return placed(await run_write(state, place_order_once, keyed), currency)

    @get("/", sync_to_thread=True, responses=problems(400, 401))
    def list_mine(
        self,
        actor: NamedDependency[SkipValidation[Actor]],
        page_request: NamedDependency[SkipValidation[PageRequest]],
        currency: NamedDependency[str],
        list_my_orders: NamedDependency[SkipValidation[ListMyOrders]],
        status: StatusFilter = None,
    ) -> OrderPage:
        """The caller's orders, newest first; `status` keeps those in one status."""
        command = ListMyOrdersCommand(actor, page_request, status)
        return order_page(list_my_orders(command), currency)

    @get("/{order_id:uuid}", sync_to_thread=True, responses=problems(400, 401, 404))
    def one(
        self,
        order_id: OrderId,
        actor: NamedDependency[SkipValidation[Actor]],
        currency: NamedDependency[str],
        get_order: NamedDependency[SkipValidation[GetOrder]],
    ) -> OrderOut:
        """One of the caller's orders; another user's order is not found."""
        return order_out(get_order(GetOrderCommand(actor, order_id)), currency)

    @post(
        "/{order_id:uuid}/cancel",
        status_code=200,
        sync_to_thread=True,
        operation_class=OptionalBodyOperation,
        responses=problems(400, 401, 404, 409, 413, 415),
    )
    def cancel(
        self,
        order_id: OrderId,
        actor: NamedDependency[SkipValidation[Actor]],
        currency: NamedDependency[str],
        cancel_order: NamedDependency[SkipValidation[CancelOrder]],
        data: StrictJSONBody[CancelOrderRequest] = EMPTY_CANCEL_REQUEST,
    ) -> OrderOut:
        """Cancel one of the caller's orders, `placed` or `paid`: every copy goes back to stock.

        Any other status, or a second cancel, is a 409 `invalid-transition` with `from` and
        `to`; nothing changes."""
        command = CancelOrderCommand(actor, order_id, data.reason)
        return order_out(cancel_order(command), currency)


class AdminOrderController(Controller):
    path = "/api/admin/orders"
    tags = ("admin",)
    guards = (requires_admin,)
    security = BEARER
    dependencies = MappingProxyType(
        {
            "list_all_orders": use_case(lambda c: c.list_all_orders),
            "get_order": use_case(lambda c: c.get_order),
            "change_order_status": use_case(lambda c: c.change_order_status),
            "order_query": Provide(provide_order_query, sync_to_thread=False),
        }
    )

    @get("/", sync_to_thread=True, responses=problems(400, 401, 403))
    def list_all(
        self,
        actor: NamedDependency[SkipValidation[Actor]],
        order_query: NamedDependency[SkipValidation[OrderQuery]],
        currency: NamedDependency[str],
        list_all_orders: NamedDependency[SkipValidation[ListAllOrders]],
    ) -> OrderPage:
        """Every user's orders, newest first; filter by `user_id` and `status`."""
        return order_page(list_all_orders(ListAllOrdersCommand(actor, order_query)), currency)

    @get("/{order_id:uuid}", sync_to_thread=True, responses=problems(400, 401, 403, 404))
    def one(
        self,
        order_id: OrderId,
        actor: NamedDependency[SkipValidation[Actor]],
        currency: NamedDependency[str],
        get_order: NamedDependency[SkipValidation[GetOrder]],
    ) -> OrderOut:
        """Any user's order."""
        return order_out(get_order(GetOrderCommand(actor, order_id)), currency)

    @post(
        "/{order_id:uuid}/status",
        status_code=200,
        sync_to_thread=True,
        responses=problems(400, 401, 403, 404, 409, 413, 415),
    )
    def change_status(
        self,
        order_id: OrderId,
        data: StrictJSONBody[OrderStatusRequest],
        actor: NamedDependency[SkipValidation[Actor]],
        currency: NamedDependency[str],
        change_order_status: NamedDependency[SkipValidation[ChangeOrderStatus]],
    ) -> OrderOut:
        """Move any order along its life: `paid` (a payment taken elsewhere), `shipped` (with
        an optional `carrier` and `tracking_number`), `delivered`, or `cancelled` (copies back
        to stock). Any other transition is a 409 `invalid-transition`; nothing changes."""
        command = ChangeOrderStatusCommand(
            actor, order_id, data.status, data.note, data.carrier, data.tracking_number
        )
        return order_out(change_order_status(command), currency)
