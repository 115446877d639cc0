"""The outbox tables (§14), on the schema's one `MetaData`: events, their deliveries, the
admins' webhook endpoints, and the books' waiting lists."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
)

from bookstore.adapters.sql.tables import books, known, metadata, users
from bookstore.adapters.sql.types import UtcDateTime
from bookstore.domain.events import DESCRIPTION, ERROR_LEN, URL, Channel, DeliveryStatus
from bookstore.domain.values import Email

EVENT_TYPE_LEN = 32
SECRET_LEN = 128


# Written in the transaction of the change each describes, numbered in that order (`seq`);
# `dispatched` once the worker has made its deliveries. `data` is the subject's JSON
# snapshot; `notify`, the JSON list of the customers to e-mail.
events = Table(
    "events",
    metadata,
    Column("seq", Integer, primary_key=True),
    Column("id", Uuid, nullable=False, unique=True),
    Column("type", String(EVENT_TYPE_LEN), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("data", Text, nullable=False),
    Column("notify", Text, nullable=False),
    Column("dispatched", Boolean, nullable=False),
    Index("ix_events_dispatched_seq", "dispatched", "seq"),
    Index("ix_events_created_at", "created_at"),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("url", String(URL.max_len), nullable=False),
    Column("events", Text, nullable=False),
    Column("secret", String(SECRET_LEN), nullable=False),
    Column("description", String(DESCRIPTION.max_len)),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_webhook_endpoints_created_at", "created_at"),
)

# One event for one destination. `claim` and `claimed_until` say which worker holds it, and
# until when (a worker killed mid-delivery lets it go when its claim runs out).
event_deliveries = Table(
    "event_deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", Uuid, ForeignKey(events.c.id, ondelete="CASCADE"), nullable=False),
    Column("event_type", String(EVENT_TYPE_LEN), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("endpoint_id", Uuid, ForeignKey(webhook_endpoints.c.id, ondelete="CASCADE")),
    Column("recipient", String(Email.MAX_LEN)),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_status_code", Integer),
    Column("last_error", String(ERROR_LEN)),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("claim", String(32)),
    Column("claimed_until", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    known("status", DeliveryStatus),
    known("channel", Channel),
    Index("ix_event_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    Index("ix_event_deliveries_endpoint_id_id", "endpoint_id", "id"),
    Index("ix_event_deliveries_event_id", "event_id"),
)

waitlist_entries = Table(
    "waitlist_entries",
    metadata,
    Column("book_id", Integer, ForeignKey(books.c.id, ondelete="CASCADE"), nullable=False),
    Column("user_id", Uuid, ForeignKey(users.c.id, ondelete="CASCADE"), nullable=False),
    Column("joined_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("book_id", "user_id"),
    Index("ix_waitlist_entries_user_id_joined_at", "user_id", "joined_at"),
    Index("ix_waitlist_entries_book_id_joined_at", "book_id", "joined_at"),
)
