from __future__ import annotations

from dataclasses import dataclass, field

from bookstore.application.authorization import require_admin
from bookstore.application.queries import OrderQuery
from bookstore.application.use_cases.base import StorageUseCase
from bookstore.domain.order import Order, OrderStatus
from bookstore.domain.pagination import Page, PageRequest
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class ListMyOrdersCommand:
    actor: Actor
    page: PageRequest = field(default_factory=PageRequest)
    status: OrderStatus | None = None


class ListMyOrders(StorageUseCase):
    """The caller's own orders, newest first; optionally only those in one status."""

    def __call__(self, command: ListMyOrdersCommand) -> Page[Order]:
        query = OrderQuery(page=command.page, user_id=command.actor.user_id, status=command.status)
        with self._uow(read_only=True) as uow:
            return uow.orders.list(query)


@dataclass(frozen=True, slots=True)
class ListAllOrdersCommand:
    actor: Actor
    query: OrderQuery = field(default_factory=OrderQuery)


class ListAllOrders(StorageUseCase):
    """Every user's orders, newest first, optionally for one user or one status.

    - Only an admin may.
    """

    def __call__(self, command: ListAllOrdersCommand) -> Page[Order]:
        require_admin(command.actor)
        with self._uow(read_only=True) as uow:
            return uow.orders.list(command.query)
