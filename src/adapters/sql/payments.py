"""Payments in SQL, and the order's `payment_status`.

Every change is one conditional statement, so the database settles races: a payment is
written only in the status it was read in; an order's right to be charged is claimed with
`UPDATE orders SET payment_status = 'processing' WHERE ... status = 'placed' AND
payment_status = 'unpaid'`; a provider event is recorded with `INSERT ... ON CONFLICT DO
NOTHING` (on PostgreSQL a second delivery waits for the first to commit, then inserts
nothing).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, insert, select, update

from bookstore.adapters.sql.payment_tables import payment_events, payments
from bookstore.adapters.sql.statements import Db, Row, listing, page_of, unless_there
from bookstore.adapters.sql.tables import orders
from bookstore.domain.money import Money
from bookstore.domain.order import OrderStatus
from bookstore.domain.pagination import Page, PageRequest
from bookstore.domain.payment import OrderPaymentStatus, Payment, PaymentStatus

_p = payments.c
_COLUMNS = (
    _p.id,
    _p.order_id,
    _p.status,
    _p.amount_cents,
    _p.currency,
    _p.payment_method,
    _p.created_at,
    _p.updated_at,
    _p.decline_code,
    _p.idempotency_key,
    _p.fingerprint,
    _p.submitted,
    _p.refund_requested,
)
_INSERT = insert(payments)
_ONE = select(*_COLUMNS).where(_p.id == bindparam("payment_id"))
_BY_KEY = select(*_COLUMNS).where(
    _p.order_id == bindparam("order_id"), _p.idempotency_key == bindparam("the_key")
)
_OF_ORDER, _COUNT = listing(
    payments, _COLUMNS, [_p.order_id == bindparam("order_id")], [_p.created_at, _p.id]
)
_UPDATE = update(payments).where(_p.id == bindparam("payment_id"), _p.status == bindparam("was"))
"""Writes the columns given."""
_CLAIM = (
    update(orders)
    .where(
        orders.c.id == bindparam("order_id"),
        orders.c.status == OrderStatus.PLACED.value,
        orders.c.payment_status == OrderPaymentStatus.UNPAID.value,
    )
    .values(payment_status=OrderPaymentStatus.PROCESSING.value)
)
_SET_ORDER_STATUS = (
    update(orders)
    .where(orders.c.id == bindparam("order_id"), orders.c.payment_status == bindparam("was"))
    .values(payment_status=bindparam("to"))
)
# RETURNING says whether the row went in (the driver's rowcount of an INSERT ... ON CONFLICT
# is not reliable on every driver).
_FIRST_DELIVERY = {
    dialect: insert_once.returning(payment_events.c.event_id)
    for dialect, insert_once in unless_there(payment_events).items()
}
_EXPIRABLE = (
    select(orders.c.id)
    .where(
        orders.c.status == OrderStatus.PLACED.value,
        orders.c.payment_status == OrderPaymentStatus.UNPAID.value,
        orders.c.created_at < bindparam("placed_before"),
    )
    .order_by(orders.c.created_at, orders.c.id)
    .limit(bindparam("limit"))
)
_REFUNDS_OWED = (
    select(_p.id)
    .where(_p.refund_requested.is_(True), _p.status == PaymentStatus.SUCCEEDED.value)
    .order_by(_p.updated_at)
    .limit(bindparam("limit"))
)


def _payment(row: Row) -> Payment:
    """A payment from a row of `_COLUMNS`, which follow the order of `Payment`'s fields (the
    booleans come back as `bool` from both databases)."""
    payment_id, order_id, status, cents, *rest = row
    return Payment(payment_id, order_id, PaymentStatus(status), Money(cents), *rest)


class SqlPaymentRepository:
    def __init__(self, db: Db) -> None:
        self._db = db

    def add(self, payment: Payment) -> None:
        self._db.write(_INSERT, _values(payment))

    def get(self, payment_id: UUID) -> Payment | None:
        row = self._db.first(_ONE, {"payment_id": payment_id})
        return _payment(row) if row is not None else None

    def by_key(self, order_id: UUID, key: str) -> Payment | None:
        row = self._db.first(_BY_KEY, {"order_id": order_id, "the_key": key})
        return _payment(row) if row is not None else None

    def of_order(self, order_id: UUID, page: PageRequest) -> Page[Payment]:
        params = {"order_id": order_id, "limit": page.page_size, "offset": page.offset}
        items = [_payment(row) for row in self._db.rows(_OF_ORDER, params)]
        return page_of(items, page, lambda: self._db.scalar(_COUNT, {"order_id": order_id}))

    def update(self, payment: Payment, was: PaymentStatus) -> bool:
        params = {
            "payment_id": payment.id,
            "was": was.value,
            "status": payment.status.value,
            "decline_code": payment.decline_code,
            "idempotency_key": payment.idempotency_key,
            "submitted": payment.submitted,
            "refund_requested": payment.refund_requested,
            "updated_at": payment.updated_at,
        }
        return self._db.write(_UPDATE, params) == 1

    def claim_order(self, order_id: UUID) -> bool:
        return self._db.write(_CLAIM, {"order_id": order_id}) == 1

    def set_order_status(
        self, order_id: UUID, to: OrderPaymentStatus, was: OrderPaymentStatus
    ) -> bool:
        params = {"order_id": order_id, "to": to.value, "was": was.value}
        return self._db.write(_SET_ORDER_STATUS, params) == 1

    def first_delivery(self, event_id: str, at: datetime) -> bool:
        stmt = _FIRST_DELIVERY[self._db.dialect]
        return self._db.first(stmt, {"event_id": event_id, "applied_at": at}) is not None

    def expirable_orders(self, placed_before: datetime, limit: int) -> list[UUID]:
        rows = self._db.rows(_EXPIRABLE, {"placed_before": placed_before, "limit": limit})
        return [row[0] for row in rows]

    def refunds_owed(self, limit: int) -> list[UUID]:
        return [row[0] for row in self._db.rows(_REFUNDS_OWED, {"limit": limit})]


def _values(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.id,
        "order_id": payment.order_id,
        "status": payment.status.value,
        "amount_cents": payment.amount.cents,
        "currency": payment.currency,
        "payment_method": payment.payment_method,
        "decline_code": payment.decline_code,
        "idempotency_key": payment.idempotency_key,
        "fingerprint": payment.fingerprint,
        "submitted": payment.submitted,
        "refund_requested": payment.refund_requested,
        "created_at": payment.created_at,
        "updated_at": payment.updated_at,
    }
