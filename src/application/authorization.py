"""Business authorization shared by the use cases: library callers cannot bypass it."""

from __future__ import annotations

from bookstore.domain.errors import Forbidden
from bookstore.domain.user import Actor


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only an admin may do this.")
