"""An order's status history, shipment and cancellation reason in SQL, and its transitions.

A transition is one conditional update, `UPDATE orders SET status = :to ... WHERE id = :id
AND status = :from AND payment_status = :from_payment`: of two transitions of one order at the
same moment, the database lets one through; the other updates no row (on PostgreSQL it waits
for the first to commit, then finds the status changed) and writes nothing. The history entry
is inserted only after the update succeeded, at the next position (the primary key refuses a
second one there).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from uuid import UUID

from sqlalchemy import Select, bindparam, insert, select, update

from bookstore.adapters.sql.statements import Db, Row, in_list, rows_in
from bookstore.adapters.sql.tables import order_status_history, orders
from bookstore.domain.order import Order, OrderLine, OrderStatus, OrderTransition
from bookstore.domain.order_status import ActorKind, Shipment, StatusChange
from bookstore.domain.payment import OrderPaymentStatus

_h = order_status_history.c

ORDER_COLUMNS = (
    orders.c.id,
    orders.c.user_id,
    orders.c.status,
    orders.c.created_at,
    orders.c.carrier,
    orders.c.tracking_number,
    orders.c.cancellation_reason,
    orders.c.payment_status,
)
_INSERT = insert(order_status_history)
_TRANSITION = update(orders).where(
    orders.c.id == bindparam("order_id"),
    orders.c.status == bindparam("from_status"),
    orders.c.payment_status == bindparam("from_payment"),
)
"""Writes the columns given."""
_SHIPPED = {OrderStatus.SHIPPED, OrderStatus.DELIVERED}


@lru_cache(maxsize=100)
def _histories_of(count: int) -> Select[Any]:
    return (
        select(_h.order_id, _h.status, _h.actor, _h.actor_id, _h.note, _h.at)
        .where(in_list(_h.order_id, count))
        .order_by(_h.order_id, _h.position)
    )


def _entry_values(order_id: UUID, position: int, entry: StatusChange) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "position": position,
        "status": entry.status.value,
        "actor": entry.actor.value,
        "actor_id": entry.actor_id,
        "note": entry.note,
        "at": entry.at,
    }


def add_history(db: Db, order: Order) -> None:
    """A new order's history (its `placed` entry): one insert."""
    rows = [_entry_values(order.id, n, e) for n, e in enumerate(order.status_history, start=1)]
    db.write_many(_INSERT, rows)


def write_transition(db: Db, transition: OrderTransition) -> bool:
    order = transition.order
    shipment = order.shipment or Shipment()
    params = {
        "order_id": order.id,
        "from_status": transition.previous.value,
        "from_payment": transition.previous_payment.value,
        "status": order.status.value,
        "payment_status": order.payment_status.value,
        "cancellation_reason": order.cancellation_reason,
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
    }
    if db.write(_TRANSITION, params) != 1:
        return False
    position = len(order.status_history)
    db.write(_INSERT, _entry_values(order.id, position, transition.entry))
    return True


def load_histories(db: Db, order_ids: Sequence[UUID]) -> dict[UUID, tuple[StatusChange, ...]]:
    """The histories of these orders, oldest entry first: one query per hundred orders."""
    found: defaultdict[UUID, list[StatusChange]] = defaultdict(list)
    for order_id, status, actor, actor_id, note, at in rows_in(db, _histories_of, order_ids):
        found[order_id].append(
            StatusChange(OrderStatus(status), at, ActorKind(actor), note, actor_id)
        )
    return {order_id: tuple(entries) for order_id, entries in found.items()}


def order_from_row(
    row: Row, lines: Sequence[OrderLine], history: tuple[StatusChange, ...]
) -> Order:
    """An order from a row of `ORDER_COLUMNS`."""
    order_id, user_id, status_text, created_at, carrier, tracking_number, reason, paid = row
    status = OrderStatus(status_text)
    shipment = Shipment(carrier, tracking_number) if status in _SHIPPED else None
    payment = OrderPaymentStatus(paid)
    return Order(
        order_id, user_id, status, tuple(lines), created_at, history, shipment, reason, payment
    )
