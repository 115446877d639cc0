"""Payments in memory, with the SQL adapter's semantics: conditional writes, events once."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import UUID

from bookstore.adapters.memory.state import MemoryRepository
from bookstore.domain.pagination import Page, PageRequest
from bookstore.domain.payment import OrderPaymentStatus, Payment, PaymentStatus


class MemoryPaymentRepository(MemoryRepository):
    def add(self, payment: Payment) -> None:
        self._state.payments[payment.id] = payment

    def get(self, payment_id: UUID) -> Payment | None:
        return self._state.payments.get(payment_id)

    def by_key(self, order_id: UUID, key: str) -> Payment | None:
        for payment in self._state.payments.values():
            if payment.order_id == order_id and payment.idempotency_key == key:
                return payment
        return None

    def of_order(self, order_id: UUID, page: PageRequest) -> Page[Payment]:
        found = [p for p in self._state.payments.values() if p.order_id == order_id]
        found.sort(key=lambda p: p.created_at)  # stable: insertion order breaks ties
        return Page.window(found, page)

    def update(self, payment: Payment, was: PaymentStatus) -> bool:
        current = self._state.payments.get(payment.id)
        if current is None or current.status is not was:
            return False
        self._state.payments[payment.id] = payment
        return True

    def claim_order(self, order_id: UUID) -> bool:
        order = self._state.orders.get(order_id)
        if order is None or not order.awaits_payment:
            return False
        self._state.orders[order_id] = replace(order, payment_status=OrderPaymentStatus.PROCESSING)
        return True

    def set_order_status(
        self, order_id: UUID, to: OrderPaymentStatus, was: OrderPaymentStatus
    ) -> bool:
        order = self._state.orders.get(order_id)
        if order is None or order.payment_status is not was:
            return False
        self._state.orders[order_id] = replace(order, payment_status=to)
        return True

    def first_delivery(self, event_id: str, at: datetime) -> bool:
        if event_id in self._state.payment_events:
            return False
        self._state.payment_events[event_id] = at
        return True

    def expirable_orders(self, placed_before: datetime, limit: int) -> list[UUID]:
        orders = self._state.orders.values()
        due = [o for o in orders if o.awaits_payment and o.created_at < placed_before]
        due.sort(key=lambda o: o.created_at)
        return [o.id for o in due[:limit]]

    def refunds_owed(self, limit: int) -> list[UUID]:
        owed = [
            p.id
            for p in self._state.payments.values()
            if p.status is PaymentStatus.SUCCEEDED and p.refund_requested
        ]
        return owed[:limit]
