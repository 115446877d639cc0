"""Payments (§12): the order's payment status, payments, applied provider events, and the
sandbox provider's scheduled outcomes.

Existing orders are carried over: those paid, shipped or delivered (paid elsewhere, as an
admin recorded it) show `paid`; cancelled ones that had been paid show `refunded`; the rest
`unpaid`.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PAYMENT_STATUS_CHECK = "ck_orders_payment_status_known"
_PAYMENT_STATUS_RULE = "payment_status IN ('unpaid', 'processing', 'paid', 'refunded')"

_orders = sa.table("orders", sa.column("id"), sa.column("status"), sa.column("payment_status"))
_history = sa.table("order_status_history", sa.column("order_id"), sa.column("status"))


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    _add_payment_status()
    _carry_over()
    op.create_table(
        "payments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("payment_method", sa.String(64), nullable=False),
        sa.Column("decline_code", sa.String(64), nullable=True),
        sa.Column("idempotency_key", sa.String(255), nullable=True),
        sa.Column("fingerprint", sa.String(128), nullable=True),
        sa.Column("submitted", sa.Boolean(), nullable=False),
        sa.Column("refund_requested", sa.Boolean(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.CheckConstraint(
            "status IN ('processing', 'succeeded', 'failed', 'refunded')",
            name=op.f("ck_payments_status_known"),
        ),
        sa.CheckConstraint("amount_cents >= 0", name=op.f("ck_payments_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_payments_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint(
            "order_id", "idempotency_key", name=op.f("uq_payments_order_id_idempotency_key")
        ),
    )
    op.create_index("ix_payments_order_oldest", "payments", ["order_id", "created_at"])
    op.create_index("ix_payments_refund_requested", "payments", ["refund_requested", "status"])
    op.create_table(
        "payment_events",
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("applied_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_payment_events")),
    )
    op.create_table(
        "sandbox_outcomes",
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("due_at", _utc(), nullable=False),
        sa.Column("claimed_until", _utc(), nullable=True),
        sa.Column("done_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_sandbox_outcomes")),
    )
    op.create_index("ix_sandbox_outcomes_done_at_due_at", "sandbox_outcomes", ["done_at", "due_at"])


def _add_payment_status() -> None:
    """As 0005's threshold: SQLite adds the column with its CHECK in one `ALTER TABLE` (no
    table rebuild); PostgreSQL adds the constraint afterwards."""
    if op.get_context().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE orders ADD COLUMN payment_status VARCHAR(16) DEFAULT 'unpaid' NOT NULL "
            f"CONSTRAINT {_PAYMENT_STATUS_CHECK} CHECK ({_PAYMENT_STATUS_RULE})"
        )
        return
    op.add_column(
        "orders",
        sa.Column(
            "payment_status", sa.String(16), server_default=sa.text("'unpaid'"), nullable=False
        ),
    )
    op.create_check_constraint(_PAYMENT_STATUS_CHECK, "orders", _PAYMENT_STATUS_RULE)


def _carry_over() -> None:
    op.execute(
        _orders.update()
        .where(_orders.c.status.in_(["paid", "shipped", "delivered"]))
        .values(payment_status="paid")
    )
    was_paid = sa.select(_history.c.order_id).where(_history.c.status == "paid")
    op.execute(
        _orders.update()
        .where(_orders.c.status == "cancelled", _orders.c.id.in_(was_paid))
        .values(payment_status="refunded")
    )


def downgrade() -> None:
    op.drop_index("ix_sandbox_outcomes_done_at_due_at", table_name="sandbox_outcomes")
    op.drop_table("sandbox_outcomes")
    op.drop_table("payment_events")
    op.drop_index("ix_payments_refund_requested", table_name="payments")
    op.drop_index("ix_payments_order_oldest", table_name="payments")
    op.drop_table("payments")
    if op.get_context().dialect.name != "sqlite":
        op.drop_constraint(_PAYMENT_STATUS_CHECK, "orders", type_="check")
    op.drop_column("orders", "payment_status")
