"""Admins' webhook endpoints (§14): create (the secret is shown this once), read, change,
delete."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from uuid import UUID

from bookstore.application.authorization import require_admin
from bookstore.application.notifications import Destinations
from bookstore.application.ports import Clock, IdGenerator, UnitOfWorkFactory
from bookstore.application.use_cases.base import StorageUseCase
from bookstore.domain.events import WebhookEndpoint, WebhookNotFound, check_endpoint
from bookstore.domain.pagination import Page, PageRequest
from bookstore.domain.user import Actor

SECRET_PREFIX = "whsec_"


@dataclass(frozen=True, slots=True)
class CreateWebhookCommand:
    actor: Actor
    url: str
    events: list[str]
    description: str | None = None


class CreateWebhook:
    """Register an endpoint that receives the events of the types it names.

    - Only an admin may.
    - The URL is http(s) and, in production, must not resolve to a private, loopback or
      link-local address (unless allowed); at least one known event type.
    - It receives the events that happen from now on, signed with a new secret that is in
      this answer only.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, ids: IdGenerator, destinations: Destinations
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._destinations = destinations

    def __call__(self, command: CreateWebhookCommand) -> WebhookEndpoint:
        with self._uow() as uow:
            require_admin(command.actor)
            url, events, description = check_endpoint(
                command.url, command.events, command.description
            )
            self._destinations.check(url)
            now = self._clock.now()
            secret = SECRET_PREFIX + secrets.token_urlsafe(32)
            endpoint = WebhookEndpoint(
                self._ids.new_id(), url, events, secret, now, now, description
            )
            uow.webhooks.add(endpoint)
            uow.commit()
        return endpoint


@dataclass(frozen=True, slots=True)
class WebhookCommand:
    actor: Actor
    endpoint_id: UUID


@dataclass(frozen=True, slots=True)
class ListWebhooksCommand:
    actor: Actor
    page: PageRequest = field(default_factory=PageRequest)


class GetWebhooks(StorageUseCase):
    """Admins read endpoints (oldest first), never their secrets."""

    def __call__(self, command: ListWebhooksCommand) -> Page[WebhookEndpoint]:
        require_admin(command.actor)
        with self._uow(read_only=True) as uow:
            return uow.webhooks.page(command.page)

    def one(self, command: WebhookCommand) -> WebhookEndpoint:
        require_admin(command.actor)
        with self._uow(read_only=True) as uow:
            endpoint = uow.webhooks.get(command.endpoint_id)
        if endpoint is None:
            raise WebhookNotFound(command.endpoint_id)
        return endpoint


@dataclass(frozen=True, slots=True)
class UpdateWebhookCommand:
    actor: Actor
    endpoint_id: UUID
    url: str | None = None
    events: list[str] | None = None
    description: str | None = None
    """An empty description removes it."""
    active: bool | None = None
    """An inactive endpoint receives nothing until it is active again: what it was owed
    waits, events that happen meanwhile are not sent to it."""


class UpdateWebhook:
    """Change an endpoint's URL, event types, description or whether it is active; what is
    not given stays. Checked as on creation."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, destinations: Destinations) -> None:
        self._uow = uow
        self._clock = clock
        self._destinations = destinations

    def __call__(self, command: UpdateWebhookCommand) -> WebhookEndpoint:
        with self._uow() as uow:
            require_admin(command.actor)
            endpoint = uow.webhooks.get(command.endpoint_id)
            if endpoint is None:
                raise WebhookNotFound(command.endpoint_id)
            url, events, description = check_endpoint(
                endpoint.url if command.url is None else command.url,
                [e.value for e in endpoint.events] if command.events is None else command.events,
                endpoint.description if command.description is None else command.description,
            )
            if url != endpoint.url:
                self._destinations.check(url)
            changed = replace(
                endpoint,
                url=url,
                events=events,
                description=description or None,
                active=endpoint.active if command.active is None else command.active,
                updated_at=self._clock.now(),
            )
            uow.webhooks.update(changed)
            uow.commit()
        return changed


class RemoveWebhook(StorageUseCase):
    """Delete an endpoint and its deliveries (nothing more is sent to it)."""

    def __call__(self, command: WebhookCommand) -> None:
        with self._uow() as uow:
            require_admin(command.actor)
            if not uow.webhooks.remove(command.endpoint_id):
                raise WebhookNotFound(command.endpoint_id)
            uow.commit()
