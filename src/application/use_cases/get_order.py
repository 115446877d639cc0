from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from bookstore.application.authorization import may_see_order
from bookstore.application.use_cases.base import StorageUseCase
from bookstore.domain.errors import OrderNotFound
from bookstore.domain.order import Order
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class GetOrderCommand:
    actor: Actor
    order_id: UUID


class GetOrder(StorageUseCase):
    """One order.

    - A customer sees only their own: another user's order is not found (its existence is
      not confirmed).
    - An admin sees any order.
    """

    def __call__(self, command: GetOrderCommand) -> Order:
        with self._uow(read_only=True) as uow:
            order = uow.orders.get(command.order_id)
        if order is None or not may_see_order(command.actor, order):
            raise OrderNotFound(command.order_id)
        return order
