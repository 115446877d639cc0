from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from bookstore.application.authorization import require_admin
from bookstore.application.order_lifecycle import Transition, change_order
from bookstore.application.payment_settlement import Refunds
from bookstore.application.ports import Clock, UnitOfWorkFactory
from bookstore.domain.order import Order, OrderStatus
from bookstore.domain.order_status import ChangedBy, Shipment
from bookstore.domain.user import Actor


class OrderChange:
    """A use case that moves an order along §10's table (`change_order`), then refunds what
    a paid order's cancellation owes (§12)."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, refunds: Refunds | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._refunds = refunds
        """Without one (storage-only callers), owed refunds wait for the worker."""

    def _change(self, order_id: UUID, transition: Transition, actor: Actor | None = None) -> Order:
        with self._uow() as uow:
            change = change_order(uow, order_id, transition, actor=actor)
            uow.commit()
        if self._refunds is not None:
            self._refunds.after(change)
        return change.order


@dataclass(frozen=True, slots=True)
class ChangeOrderStatusCommand:
    actor: Actor
    order_id: UUID
    status: OrderStatus
    note: str | None = None
    carrier: str | None = None
    """With `tracking_number`, only when the order ships."""
    tracking_number: str | None = None


class ChangeOrderStatus(OrderChange):
    """Move any order to another status, as an admin.

    - Only an admin may.
    - Only §10's transitions: `paid` (a payment taken elsewhere), `shipped` (optionally with a
      carrier and tracking number), `delivered`, `cancelled` (copies back to stock, the note
      as the reason). Anything else is refused with from and to; nothing changes.
    - The note (at most 500 characters) goes into the order's status history.
    """

    def __call__(self, command: ChangeOrderStatusCommand) -> Order:
        require_admin(command.actor)
        by, now = ChangedBy.person(command.actor), self._clock.now()
        shipment = None
        if command.carrier is not None or command.tracking_number is not None:
            shipment = Shipment.parse(command.carrier, command.tracking_number)
        return self._change(
            command.order_id,
            lambda order: order.move_to(
                command.status, by=by, at=now, note=command.note, shipment=shipment
            ),
        )
