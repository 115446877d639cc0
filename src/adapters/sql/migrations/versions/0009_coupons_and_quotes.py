"""Coupons and the cart as a quote (§13): coupons, the coupons and notices a cart holds, the
coupons each order carried, each cart line's quoted price and each order's discount.

Existing cart lines are quoted at their book's price now (no price-change notice for them);
existing orders carried no coupon (`discount_cents` NULL).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 03:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_cart_lines = sa.table("cart_lines", sa.column("book_id"), sa.column("price_cents", sa.Integer()))
_books = sa.table("books", sa.column("id"), sa.column("price_cents"))


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("cart_lines", sa.Column("price_cents", sa.Integer(), nullable=True))
    op.add_column("orders", sa.Column("discount_cents", sa.BigInteger(), nullable=True))
    price_now = (
        sa.select(_books.c.price_cents)
        .where(_books.c.id == _cart_lines.c.book_id)
        .scalar_subquery()
    )
    op.execute(_cart_lines.update().values(price_cents=price_now))
    _create_coupons()
    op.create_table(
        "cart_coupons",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_cart_coupons_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["code"], ["coupons.code"], name=op.f("fk_cart_coupons_code_coupons")
        ),
        sa.PrimaryKeyConstraint("user_id", "code", name=op.f("pk_cart_coupons")),
    )
    op.create_table(
        "cart_unavailable",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_cart_unavailable_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["book_id"],
            ["books.id"],
            name=op.f("fk_cart_unavailable_book_id_books"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "book_id", name=op.f("pk_cart_unavailable")),
    )
    op.create_table(
        "order_coupons",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("discount_cents", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "discount_cents >= 0", name=op.f("ck_order_coupons_discount_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_coupons_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["code"], ["coupons.code"], name=op.f("fk_order_coupons_code_coupons")
        ),
        sa.PrimaryKeyConstraint("order_id", "position", name=op.f("pk_order_coupons")),
    )
    op.create_index("ix_order_coupons_code", "order_coupons", ["code"])


def _create_coupons() -> None:
    op.create_table(
        "coupons",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("min_subtotal_cents", sa.BigInteger(), nullable=True),
        sa.Column("starts_at", _utc(), nullable=True),
        sa.Column("ends_at", _utc(), nullable=True),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("max_uses_per_customer", sa.Integer(), nullable=True),
        sa.Column("exclusive", sa.Boolean(), nullable=False),
        sa.Column("genres", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("times_used", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.CheckConstraint("kind IN ('percent', 'fixed')", name=op.f("ck_coupons_kind_known")),
        sa.CheckConstraint("value > 0", name=op.f("ck_coupons_value_positive")),
        sa.CheckConstraint("times_used >= 0", name=op.f("ck_coupons_times_used_not_negative")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_coupons")),
    )
    op.create_index("ix_coupons_newest", "coupons", ["created_at", "code"])


def downgrade() -> None:
    op.drop_index("ix_order_coupons_code", table_name="order_coupons")
    op.drop_table("order_coupons")
    op.drop_table("cart_unavailable")
    op.drop_table("cart_coupons")
    op.drop_index("ix_coupons_newest", table_name="coupons")
    op.drop_table("coupons")
    op.drop_column("orders", "discount_cents")
    op.drop_column("cart_lines", "price_cents")
