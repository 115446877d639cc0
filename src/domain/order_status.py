"""An order's statuses, the only transitions between them, and the record each one leaves."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from uuid import UUID

from bookstore.domain.user import Actor
from bookstore.domain.values import FieldErrors, TextRule

NOTE = TextRule("note", 0, 500)
REASON = TextRule("reason", 0, 500)
CARRIER = TextRule("carrier", 0, 100)
TRACKING_NUMBER = TextRule("tracking_number", 0, 100)


class OrderStatus(StrEnum):
    PLACED = "placed"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


NEXT_STATUSES: Mapping[OrderStatus, frozenset[OrderStatus]] = MappingProxyType(
    {
        OrderStatus.PLACED: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
        OrderStatus.PAID: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
        OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
        OrderStatus.DELIVERED: frozenset(),
        OrderStatus.CANCELLED: frozenset(),
    }
)
"""§10's table: the statuses an order may go to from each status. `delivered` and
`cancelled` are final; nothing goes back to `placed`, nor to the status it is in."""


def may_move(from_status: OrderStatus, to_status: OrderStatus) -> bool:
    return to_status in NEXT_STATUSES[from_status]


def is_lawful_path(statuses: list[OrderStatus]) -> bool:
    """Whether a status history is a path in §10's table, starting at `placed`."""
    if not statuses or statuses[0] is not OrderStatus.PLACED:
        return False
    return all(may_move(a, b) for a, b in itertools.pairwise(statuses))


class ActorKind(StrEnum):
    """Who moved an order, as its history shows it."""

    CUSTOMER = "customer"
    ADMIN = "admin"
    SYSTEM = "system"
    PAYMENT = "payment"


@dataclass(frozen=True, slots=True)
class ChangedBy:
    """Who makes a transition: the kind the history shows, and the account, if any."""

    kind: ActorKind
    user_id: UUID | None = None

    @classmethod
    def person(cls, actor: Actor) -> ChangedBy:
        """A signed-in caller: an admin acts as an admin, even on their own orders."""
        return cls(ActorKind.ADMIN if actor.is_admin else ActorKind.CUSTOMER, actor.user_id)

    @classmethod
    def system(cls) -> ChangedBy:
        return cls(ActorKind.SYSTEM)

    @classmethod
    def payment(cls) -> ChangedBy:
        return cls(ActorKind.PAYMENT)


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One entry of an order's status history."""

    status: OrderStatus
    at: datetime
    actor: ActorKind
    note: str | None = None
    actor_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class Shipment:
    carrier: str | None = None
    tracking_number: str | None = None

    @classmethod
    def parse(cls, carrier: str | None, tracking_number: str | None) -> Shipment:
        errors = FieldErrors()
        clean_carrier = errors.optional_text(CARRIER, carrier)
        clean_number = errors.optional_text(TRACKING_NUMBER, tracking_number)
        errors.raise_if_any()
        return cls(clean_carrier, clean_number)


def clean_text(rule: TextRule, raw: str | None) -> str | None:
    """An optional free text (a note, a reason): trimmed, within its rule; blank is none."""
    errors = FieldErrors()
    clean = errors.optional_text(rule, raw)
    errors.raise_if_any()
    return clean
