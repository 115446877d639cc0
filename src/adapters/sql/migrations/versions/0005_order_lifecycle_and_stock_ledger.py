"""The order's life and the stock's memory: status history, shipment and cancellation on
orders, an append-only stock ledger, and a low-stock threshold per book.

Existing data is carried over: every book gets an `initial` movement equal to the stock it
has (none for a stock of 0), so that its stock is the sum of its movements from the start;
every order gets the history entry `placed`, by its customer, at its creation.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_THRESHOLD_CHECK = "ck_books_low_stock_threshold_not_negative"

# The tables as this revision knows them (not the application's metadata, which moves on).
_books = sa.table("books", sa.column("id"), sa.column("stock"), sa.column("created_at"))
_orders = sa.table("orders", sa.column("id"), sa.column("user_id"), sa.column("created_at"))


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    _add_threshold()
    op.add_column("orders", sa.Column("cancellation_reason", sa.String(500), nullable=True))
    op.add_column("orders", sa.Column("carrier", sa.String(100), nullable=True))
    op.add_column("orders", sa.Column("tracking_number", sa.String(100), nullable=True))
    history = op.create_table(
        "order_status_history",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("at", _utc(), nullable=False),
        sa.CheckConstraint(
            "actor IN ('customer', 'admin', 'system', 'payment')",
            name=op.f("ck_order_status_history_actor_known"),
        ),
        sa.CheckConstraint(
            "status IN ('placed', 'paid', 'shipped', 'delivered', 'cancelled')",
            name=op.f("ck_order_status_history_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_status_history_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_id", "position", name=op.f("pk_order_status_history")),
    )
    movements = op.create_table(
        "stock_movements",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("at", _utc(), nullable=False),
        sa.CheckConstraint("delta <> 0", name=op.f("ck_stock_movements_delta_not_zero")),
        sa.CheckConstraint(
            "reason IN ('initial', 'order', 'cancellation', 'adjustment', 'import')",
            name=op.f("ck_stock_movements_reason_known"),
        ),
        sa.ForeignKeyConstraint(
            ["book_id"],
            ["books.id"],
            name=op.f("fk_stock_movements_book_id_books"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_stock_movements_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_movements")),
    )
    op.create_index(
        "ix_stock_movements_book_newest",
        "stock_movements",
        ["book_id", "at", "id"],
        unique=False,
    )
    _carry_over(history, movements)


def _add_threshold() -> None:
    """SQLite adds a column with its CHECK in one `ALTER TABLE` (a constraint added later
    would need the table rebuilt, which would lose its search triggers); PostgreSQL adds
    the constraint afterwards."""
    if op.get_context().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE books ADD COLUMN low_stock_threshold INTEGER DEFAULT 5 NOT NULL "
            f"CONSTRAINT {_THRESHOLD_CHECK} CHECK (low_stock_threshold >= 0)"
        )
        return
    op.add_column(
        "books",
        sa.Column("low_stock_threshold", sa.Integer(), server_default=sa.text("5"), nullable=False),
    )
    op.create_check_constraint(_THRESHOLD_CHECK, "books", "low_stock_threshold >= 0")


def _carry_over(history: sa.Table, movements: sa.Table) -> None:
    """Each book's stock so far as its `initial` movement; each order's `placed` entry."""
    initial = sa.select(
        _books.c.id,
        _books.c.stock,
        sa.literal_column("'initial'"),
        _books.c.created_at,
    ).where(_books.c.stock > 0)
    op.execute(
        movements.insert().from_select(
            ["book_id", "delta", "reason", "at"], initial.order_by(_books.c.id)
        )
    )
    placed = sa.select(
        _orders.c.id,
        sa.literal_column("1"),
        sa.literal_column("'placed'"),
        sa.literal_column("'customer'"),
        _orders.c.user_id,
        _orders.c.created_at,
    )
    op.execute(
        history.insert().from_select(
            ["order_id", "position", "status", "actor", "actor_id", "at"], placed
        )
    )


def downgrade() -> None:
    op.drop_index("ix_stock_movements_book_newest", table_name="stock_movements")
    op.drop_table("stock_movements")
    op.drop_table("order_status_history")
    op.drop_column("orders", "tracking_number")
    op.drop_column("orders", "carrier")
    op.drop_column("orders", "cancellation_reason")
    if op.get_context().dialect.name != "sqlite":
        op.drop_constraint(_THRESHOLD_CHECK, "books", type_="check")
    op.drop_column("books", "low_stock_threshold")
