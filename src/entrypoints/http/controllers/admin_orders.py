"""Every user's orders, for admins: listing, reading, and moving them along their life."""

from __future__ import annotations

from types import MappingProxyType

from litestar import get, post
from litestar.datastructures import State
from litestar.di import Provide

from bookstore.application.queries import OrderQuery
from bookstore.application.use_cases.change_order_status import ChangeOrderStatusCommand
from bookstore.application.use_cases.get_order import GetOrderCommand
from bookstore.application.use_cases.list_orders import ListAllOrdersCommand
from bookstore.entrypoints.http.controllers.orders import OrderId
from bookstore.entrypoints.http.dependencies import Injected, InjectedActor, container_of
from bookstore.entrypoints.http.problems import problems
from bookstore.entrypoints.http.requests import StrictJSONBody
from bookstore.entrypoints.http.schemas.orders import (
    OrderOut,
    OrderPage,
    OrderStatusRequest,
    order_out,
    order_page,
    provide_order_query,
)
from bookstore.entrypoints.http.security import AdminController


class AdminOrderController(AdminController):
    path = "/api/admin/orders"
    dependencies = MappingProxyType(
        {"order_query": Provide(provide_order_query, sync_to_thread=False)}
    )

    @get("/", operation_id="listAllOrders", sync_to_thread=True, responses=problems(400, 401, 403))
    def list_all(
        self,
        state: State,
        actor: InjectedActor,
        order_query: Injected[OrderQuery],
        currency: Injected[str],
    ) -> OrderPage:
        """Every user's orders, newest first; filter by `user_id` and `status`."""
        command = ListAllOrdersCommand(actor, order_query)
        return order_page(container_of(state).list_all_orders()(command), currency)

    @get(
        "/{order_id:uuid}",
        operation_id="getAnyOrder",
        sync_to_thread=True,
        responses=problems(400, 401, 403, 404),
    )
    def one(
        self, state: State, order_id: OrderId, actor: InjectedActor, currency: Injected[str]
    ) -> OrderOut:
        """Any user's order."""
        command = GetOrderCommand(actor, order_id)
        return order_out(container_of(state).get_order()(command), currency)

    @post(
        "/{order_id:uuid}/status",
        operation_id="changeOrderStatus",
        status_code=200,
        sync_to_thread=True,
        responses=problems(400, 401, 403, 404, 409, 413, 415),
    )
    def change_status(
        self,
        state: State,
        order_id: OrderId,
        data: StrictJSONBody[OrderStatusRequest],
        actor: InjectedActor,
        currency: Injected[str],
    ) -> OrderOut:
        """Move any order along its life: `paid` (a payment taken elsewhere), `shipped` (with
        an optional `carrier` and `tracking_number`), `delivered`, or `cancelled` (copies back
        to stock). Any other transition is a 409 `invalid-transition`; nothing changes."""
        command = ChangeOrderStatusCommand(
            actor, order_id, data.status, data.note, data.carrier, data.tracking_number
        )
        return order_out(container_of(state).change_order_status()(command), currency)
