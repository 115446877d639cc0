"""Admins' webhook endpoints in SQL (§14); deleting one deletes its deliveries with it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, delete, insert, select, update

from bookstore.adapters.sql.event_tables import event_deliveries, webhook_endpoints
from bookstore.adapters.sql.outbox import ENDPOINT_COLUMNS, endpoint_from_row, event_types_text
from bookstore.adapters.sql.statements import Db, listing
from bookstore.domain.events import WebhookEndpoint
from bookstore.domain.pagination import Page, PageRequest

_w, _d = webhook_endpoints.c, event_deliveries.c
_ADD_ENDPOINT = insert(webhook_endpoints)
_ONE_ENDPOINT = select(*ENDPOINT_COLUMNS).where(_w.id == bindparam("endpoint"))
_ENDPOINTS, _COUNT_ENDPOINTS = listing(
    webhook_endpoints, ENDPOINT_COLUMNS, [], [_w.created_at, _w.id]
)
_ACTIVE_ENDPOINTS = select(*ENDPOINT_COLUMNS).where(_w.active.is_(True))
_UPDATE_ENDPOINT = update(webhook_endpoints).where(_w.id == bindparam("endpoint"))
"""Writes the columns given."""
_REMOVE_ENDPOINT_DELIVERIES = delete(event_deliveries).where(
    _d.endpoint_id == bindparam("endpoint")
)
_REMOVE_ENDPOINT = delete(webhook_endpoints).where(_w.id == bindparam("endpoint"))


class SqlWebhookEndpoints:
    def __init__(self, db: Db) -> None:
        self._db = db

    def add(self, endpoint: WebhookEndpoint) -> None:
        created = {"id": endpoint.id, "secret": endpoint.secret, "created_at": endpoint.created_at}
        self._db.write(_ADD_ENDPOINT, _edits(endpoint) | created)

    def get(self, endpoint_id: UUID) -> WebhookEndpoint | None:
        row = self._db.first(_ONE_ENDPOINT, {"endpoint": endpoint_id})
        return None if row is None else endpoint_from_row(row)

    def page(self, page: PageRequest) -> Page[WebhookEndpoint]:
        rows = self._db.rows(_ENDPOINTS, {"limit": page.page_size, "offset": page.offset})
        items = [endpoint_from_row(row) for row in rows]
        return Page.of(items, page, self._db.scalar(_COUNT_ENDPOINTS))

    def active(self) -> list[WebhookEndpoint]:
        return [endpoint_from_row(row) for row in self._db.rows(_ACTIVE_ENDPOINTS)]

    def update(self, endpoint: WebhookEndpoint) -> None:
        self._db.write(_UPDATE_ENDPOINT, _edits(endpoint) | {"endpoint": endpoint.id})

    def remove(self, endpoint_id: UUID) -> bool:
        self._db.write(_REMOVE_ENDPOINT_DELIVERIES, {"endpoint": endpoint_id})
        return self._db.write(_REMOVE_ENDPOINT, {"endpoint": endpoint_id}) == 1


def _edits(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """The columns an admin edits."""
    return {
        "url": endpoint.url,
        "events": event_types_text(endpoint),
        "description": endpoint.description,
        "active": endpoint.active,
        "updated_at": endpoint.updated_at,
    }
