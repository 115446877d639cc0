"""Business authorization shared by the use cases: library callers cannot bypass it."""

from __future__ import annotations

from bookstore.domain.errors import Forbidden
from bookstore.domain.order import Order
from bookstore.domain.user import Actor


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only an admin may do this.")


def may_see_order(actor: Actor, order: Order) -> bool:
    """A customer sees only their own orders; an admin sees any."""
    return actor.is_admin or order.user_id == actor.user_id
