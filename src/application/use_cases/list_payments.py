from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from bookstore.application.authorization import may_see_order
from bookstore.application.use_cases.base import StorageUseCase
from bookstore.domain.errors import OrderNotFound
from bookstore.domain.pagination import Page, PageRequest
from bookstore.domain.payment import Payment
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class ListPaymentsCommand:
    actor: Actor
    order_id: UUID
    page: PageRequest = field(default_factory=PageRequest)


class ListPayments(StorageUseCase):
    """An order's payments, oldest first, declined ones included (as `failed`).

    - A customer sees only their own orders' payments (another's order is not found); an
      admin any order's.
    """

    def __call__(self, command: ListPaymentsCommand) -> Page[Payment]:
        with self._uow(read_only=True) as uow:
            order = uow.orders.get(command.order_id)
            if order is None or not may_see_order(command.actor, order):
                raise OrderNotFound(command.order_id)
            return uow.payments.of_order(order.id, command.page)
