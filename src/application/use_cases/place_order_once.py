from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from bookstore.application.config import StoreConfig
from bookstore.application.metrics import NO_METRICS, BusinessMetrics
from bookstore.application.ports import (
    Clock,
    IdempotencyRecord,
    IdGenerator,
    UnitOfWork,
    UnitOfWorkFactory,
)
from bookstore.application.use_cases.place_order import order_the_cart
from bookstore.domain.errors import IdempotencyKeyMismatch, InvalidInput, OrderNotFound
from bookstore.domain.money import Money
from bookstore.domain.order import Order
from bookstore.domain.user import Actor

MAX_KEY_LEN = 255


@dataclass(frozen=True, slots=True)
class PlaceOrderOnceCommand:
    actor: Actor
    key: str
    """The client's idempotency key, 1 to 255 printable characters."""
    fingerprint: str
    """What identifies the request, e.g. a hash of its body: the same key with another
    fingerprint is a different request."""
    expected_total: Money | None = None
    """As `PlaceOrderCommand.expected_total` (it is part of the request's fingerprint)."""


@dataclass(frozen=True, slots=True)
class OrderPlacement:
    order: Order
    replayed: bool
    """True when the key had already placed this order and nothing new was placed."""


class PlaceOrderOnce:
    """Place the caller's cart as an order at most once per idempotency key.

    - A retry with the same key and request returns the first order and places nothing,
      whatever the cart holds now.
    - The same key with a different request is refused (`IdempotencyKeyMismatch`).
    - Keys belong to one user; another user's identical key is unrelated.
    - Only a success is remembered, in the same transaction as the order: after a failed
      attempt (empty cart, short stock) the key may be used again.
    - Keys are remembered for `StoreConfig.idempotency_key_ttl` (at least 24 hours).
    """

    retry_when_busy: ClassVar[Literal[True]] = True
    """Its write unit of work is its first storage action (see `RetryableWrite`)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdGenerator,
        config: StoreConfig,
        *,
        metrics: BusinessMetrics = NO_METRICS,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._ttl = config.idempotency_key_ttl
        self._metrics = metrics

    def replay(self, command: PlaceOrderOnceCommand) -> OrderPlacement | None:
        """The first response for this key, if there is one: callers check it before they
        validate the rest of the request."""
        check_key(command.key)
        with self._uow(read_only=True) as uow:
            return self._previous(uow, command)

    def __call__(self, command: PlaceOrderOnceCommand) -> OrderPlacement:
        check_key(command.key)
        with self._uow() as uow:
            previous = self._previous(uow, command)
            if previous is not None:
                return previous
            order = order_the_cart(
                uow, command.actor, self._clock, self._ids, expected_total=command.expected_total
            )
            uow.idempotency.save(_record_of(command, order))
            uow.commit()
        self._metrics.order_placed(order)
        return OrderPlacement(order, replayed=False)

    def _previous(self, uow: UnitOfWork, command: PlaceOrderOnceCommand) -> OrderPlacement | None:
        not_before = self._clock.now() - self._ttl
        record = uow.idempotency.find(command.actor.user_id, command.key, not_before)
        if record is None:
            return None
        if record.fingerprint != command.fingerprint:
            raise IdempotencyKeyMismatch()
        order = uow.orders.get(record.order_id)
        if order is None:
            raise OrderNotFound(record.order_id)
        return OrderPlacement(order, replayed=True)


def _record_of(command: PlaceOrderOnceCommand, order: Order) -> IdempotencyRecord:
    actor = command.actor
    return IdempotencyRecord(
        actor.user_id, command.key, command.fingerprint, order.id, order.created_at
    )


def check_key(key: str) -> None:
    if not 1 <= len(key) <= MAX_KEY_LEN or not key.isprintable() or not key.isascii():
        raise InvalidInput.single(
            "Idempotency-Key", f"must be 1 to {MAX_KEY_LEN} printable ASCII characters"
        )
