"""What was sent to a webhook endpoint, and trying a delivery again (§14)."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from bookstore.application.authorization import require_admin
from bookstore.application.use_cases.base import ClockedUseCase, StorageUseCase
from bookstore.domain.events import (
    AlreadyDelivered,
    Channel,
    Delivery,
    DeliveryNotFound,
    DeliveryStatus,
    WebhookNotFound,
)
from bookstore.domain.pagination import Page, PageRequest
from bookstore.domain.user import Actor


class CountPendingEvents(StorageUseCase):
    """How many events still wait for delivery (a figure for the operators' metrics)."""

    def __call__(self) -> int:
        with self._uow(read_only=True) as uow:
            return uow.deliveries.pending()


@dataclass(frozen=True, slots=True)
class ListDeliveriesCommand:
    actor: Actor
    endpoint_id: UUID
    page: PageRequest = field(default_factory=PageRequest)


class ListDeliveries(StorageUseCase):
    """An endpoint's deliveries, newest first, with how their attempts went. Admins only."""

    def __call__(self, command: ListDeliveriesCommand) -> Page[Delivery]:
        require_admin(command.actor)
        with self._uow(read_only=True) as uow:
            if uow.webhooks.get(command.endpoint_id) is None:
                raise WebhookNotFound(command.endpoint_id)
            return uow.deliveries.of_endpoint(command.endpoint_id, command.page)


@dataclass(frozen=True, slots=True)
class RetryDeliveryCommand:
    actor: Actor
    delivery_id: int


class RetryDelivery(ClockedUseCase):
    """Try a webhook delivery again at once: a pending, failed or dead one becomes `pending`,
    due now (the worker sends it on its next round); a succeeded one is refused
    (`AlreadyDelivered`). Admins only."""

    def __call__(self, command: RetryDeliveryCommand) -> Delivery:
        with self._uow() as uow:
            require_admin(command.actor)
            delivery = uow.deliveries.get(command.delivery_id)
            if delivery is None or delivery.channel is not Channel.WEBHOOK:
                raise DeliveryNotFound(command.delivery_id)
            succeeded = delivery.status is DeliveryStatus.SUCCEEDED
            if succeeded or not uow.deliveries.retry_now(command.delivery_id, self._clock.now()):
                raise AlreadyDelivered(command.delivery_id)
            retried = uow.deliveries.get(command.delivery_id)
            uow.commit()
        assert retried is not None  # noqa: S101 - read in the unit of work that changed it
        return retried
