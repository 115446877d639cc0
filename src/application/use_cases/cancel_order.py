from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from bookstore.application.use_cases.change_order_status import OrderChange
from bookstore.domain.order import Order
from bookstore.domain.order_status import ChangedBy
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class CancelOrderCommand:
    actor: Actor
    order_id: UUID
    reason: str | None = None
    """Why, in at most 500 characters; kept as the order's `cancellation_reason`."""


class CancelOrder(OrderChange):
    """Cancel an order.

    - A customer cancels only their own orders (another's is not found); an admin any.
    - Only a `placed` or `paid` order can be cancelled; any other is refused with its
      status (`InvalidTransition`) and nothing changes. A second cancel is refused too.
    - Every line's copies go back to stock, as `cancellation` movements, in the same
      transaction that changes the status: exactly once, whatever runs concurrently.
    - A paid order's payment is refunded in full (§12) once the cancellation committed; an
      order paid elsewhere (recorded by an admin) shows `refunded` without a gateway call.
    """

    def __call__(self, command: CancelOrderCommand) -> Order:
        by, now = ChangedBy.person(command.actor), self._clock.now()
        return self._change(
            command.order_id,
            lambda order: order.cancel(by=by, at=now, reason=command.reason),
            command.actor,
        )
