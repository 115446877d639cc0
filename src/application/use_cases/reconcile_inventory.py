from __future__ import annotations

from bookstore.application.authorization import require_admin
from bookstore.application.use_cases.base import StorageUseCase
from bookstore.domain.inventory import Reconciliation
from bookstore.domain.user import Actor


class ReconcileInventory(StorageUseCase):
    """Check every book's stock (removed books too) against the sum of its movements.

    - Only an admin may.
    - Read in one consistent snapshot: a mismatch is a real one, not an order half seen.
    """

    def __call__(self, actor: Actor) -> Reconciliation:
        require_admin(actor)
        with self._uow(read_only=True) as uow:
            return uow.inventory.reconcile()
