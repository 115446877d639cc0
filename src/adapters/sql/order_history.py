"""An order's status history, shipment and cancellation reason in SQL, and its transitions.

A transition is one conditional update, `UPDATE orders SET status = :to ... WHERE id = :id
AND status = :from`: of two transitions of one order at the same moment, the database lets
one through; the other updates no row (on PostgreSQL it waits for the first to commit, then
finds the status changed) and writes nothing. The history entry is inserted only after the
update succeeded, at the next position (the primary key refuses a second one there).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, bindparam, insert, select, update

from bookstore.adapters.sql.rows import AnyRow
from bookstore.adapters.sql.tables import order_status_history, orders
from bookstore.domain.order import Order, OrderLine, OrderStatus, OrderTransition
from bookstore.domain.order_status import ActorKind, Shipment, StatusChange

_h = order_status_history.c

_INSERT = insert(order_status_history)
_HISTORIES = (
    select(_h.order_id, _h.status, _h.actor, _h.actor_id, _h.note, _h.at)
    .where(_h.order_id.in_(bindparam("order_ids", expanding=True)))
    .order_by(_h.order_id, _h.position)
)
_TRANSITION = (
    update(orders)
    .where(orders.c.id == bindparam("order_id"), orders.c.status == bindparam("from_status"))
    .values(
        status=bindparam("to_status"),
        cancellation_reason=bindparam("reason"),
        carrier=bindparam("new_carrier"),
        tracking_number=bindparam("new_tracking_number"),
    )
)
_SHIPPED = {OrderStatus.SHIPPED, OrderStatus.DELIVERED}


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


def add_history(conn: Connection, order: Order) -> None:
    """A new order's history (its `placed` entry): one insert."""
    rows = [_entry_values(order.id, n, e) for n, e in enumerate(order.status_history, start=1)]
    if rows:
        conn.execute(_INSERT, rows)


def write_transition(conn: Connection, transition: OrderTransition) -> bool:
    order = transition.order
    shipment = order.shipment or Shipment()
    params = {
        "order_id": order.id,
        "from_status": transition.previous.value,
        "to_status": order.status.value,
        "reason": order.cancellation_reason,
        "new_carrier": shipment.carrier,
        "new_tracking_number": shipment.tracking_number,
    }
    if conn.execute(_TRANSITION, params).rowcount != 1:
        return False
    position = len(order.status_history)
    conn.execute(_INSERT, [_entry_values(order.id, position, transition.entry)])
    return True


def load_histories(
    conn: Connection, order_ids: Collection[UUID]
) -> dict[UUID, tuple[StatusChange, ...]]:
    """The histories of these orders, oldest entry first: one query."""
    if not order_ids:
        return {}
    found: defaultdict[UUID, list[StatusChange]] = defaultdict(list)
    for row in conn.execute(_HISTORIES, {"order_ids": list(order_ids)}):
        entry = StatusChange(
            OrderStatus(row.status), row.at, ActorKind(row.actor), row.note, row.actor_id
        )
        found[row.order_id].append(entry)
    return {order_id: tuple(entries) for order_id, entries in found.items()}


def order_from_row(
    row: AnyRow, lines: Sequence[OrderLine], history: tuple[StatusChange, ...]
) -> Order:
    status = OrderStatus(row.status)
    shipment = Shipment(row.carrier, row.tracking_number) if status in _SHIPPED else None
    return Order(
        row.id,
        row.user_id,
        status,
        tuple(lines),
        row.created_at,
        history,
        shipment,
        row.cancellation_reason,
    )
