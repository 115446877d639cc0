"""The payment tables (§12), on the schema's one `MetaData`: payments, the provider events
already applied, and the sandbox's scheduled outcomes."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from bookstore.adapters.sql.tables import (
    FINGERPRINT_LEN,
    IDEMPOTENCY_KEY_LEN,
    known,
    metadata,
    orders,
)
from bookstore.adapters.sql.types import UtcDateTime
from bookstore.domain.payment import PaymentStatus

EVENT_ID_LEN = 255
METHOD_LEN = 64
DECLINE_CODE_LEN = 64

payments = Table(
    "payments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("order_id", Uuid, ForeignKey(orders.c.id, ondelete="CASCADE"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("payment_method", String(METHOD_LEN), nullable=False),
    Column("decline_code", String(DECLINE_CODE_LEN)),
    # Kept while the payment answers for its key; NULLs never collide, so a declined
    # payment (key cleared) frees it.
    Column("idempotency_key", String(IDEMPOTENCY_KEY_LEN)),
    Column("fingerprint", String(FINGERPRINT_LEN)),
    Column("submitted", Boolean, nullable=False),
    Column("refund_requested", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    known("status", PaymentStatus),
    CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
    UniqueConstraint("order_id", "idempotency_key"),
    Index("ix_payments_order_oldest", "order_id", "created_at"),
    Index("ix_payments_refund_requested", "refund_requested", "status"),
)

# A provider event's id is recorded in the transaction of its effect: the primary key lets
# one delivery through.
payment_events = Table(
    "payment_events",
    metadata,
    Column("event_id", String(EVENT_ID_LEN), primary_key=True),
    Column("applied_at", UtcDateTime, nullable=False),
)

# The sandbox provider's delayed outcomes: the webhook body it would send, when it is due,
# and who holds it (until when) while applying it.
sandbox_outcomes = Table(
    "sandbox_outcomes",
    metadata,
    Column("event_id", String(EVENT_ID_LEN), primary_key=True),
    Column("payload", Text, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("claimed_until", UtcDateTime),
    Column("done_at", UtcDateTime),
    Index("ix_sandbox_outcomes_done_at_due_at", "done_at", "due_at"),
)
