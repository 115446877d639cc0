"""Webhook endpoints and their deliveries on the wire (§14)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from bookstore.domain.events import DESCRIPTION, URL, Delivery, DeliveryStatus, WebhookEndpoint
from bookstore.domain.pagination import Page
from bookstore.entrypoints.http.schemas.common import PageOut, timestamp

Url = Annotated[str, msgspec.Meta(max_length=URL.max_len)]
EventTypes = Annotated[
    list[Annotated[str, msgspec.Meta(max_length=64)]], msgspec.Meta(max_length=20)
]
Description = Annotated[str, msgspec.Meta(max_length=DESCRIPTION.max_len)]


class WebhookCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    url: Url
    """An http(s) URL; in production not one that resolves to a private address."""
    events: EventTypes
    """The event types to receive, e.g. `["order.placed", "order.paid"]`."""
    description: Description | None = None


class WebhookPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    url: Url | None = None
    events: EventTypes | None = None
    description: Description | None = None
    """An empty string removes the description."""
    active: bool | None = None
    """An inactive endpoint receives nothing until it is active again: what it was owed
    waits, events that happen meanwhile are not sent to it."""


class EmptyRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """No body, or `{}`: a retry, or joining a waiting list, takes no fields."""


EMPTY_REQUEST = EmptyRequest()


class WebhookOut(msgspec.Struct, kw_only=True):
    id: UUID
    url: str
    events: list[str]
    description: str | None
    active: bool
    created_at: datetime
    updated_at: datetime


class CreatedWebhookOut(WebhookOut, kw_only=True):
    secret: str
    """Signs every delivery (`Bookstore-Signature`); shown in this answer only."""


class WebhookPage(PageOut[WebhookOut], kw_only=True):
    items: list[WebhookOut]


class DeliveryOut(msgspec.Struct, kw_only=True):
    id: int
    event_id: UUID
    event_type: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime
    created_at: datetime


class DeliveryPage(PageOut[DeliveryOut], kw_only=True):
    items: list[DeliveryOut]


def webhook_out(endpoint: WebhookEndpoint) -> WebhookOut:
    return WebhookOut(
        id=endpoint.id,
        url=endpoint.url,
        events=[t.value for t in endpoint.events],
        description=endpoint.description,
        active=endpoint.active,
        created_at=timestamp(endpoint.created_at),
        updated_at=timestamp(endpoint.updated_at),
    )


def created_webhook_out(endpoint: WebhookEndpoint) -> CreatedWebhookOut:
    shown = msgspec.structs.asdict(webhook_out(endpoint))
    return CreatedWebhookOut(**shown, secret=endpoint.secret)


def webhook_page(page: Page[WebhookEndpoint]) -> WebhookPage:
    return WebhookPage.of(page, webhook_out)


def delivery_out(delivery: Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=delivery.id,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        status=delivery.status,
        attempts=delivery.attempts,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        next_attempt_at=timestamp(delivery.next_attempt_at),
        created_at=timestamp(delivery.created_at),
    )


def delivery_page(page: Page[Delivery]) -> DeliveryPage:
    return DeliveryPage.of(page, delivery_out)
