"""The coupon tables (§13), on the schema's one `MetaData`: coupons, the coupons and notices a
cart holds besides its lines, and the coupons each order carried.

A coupon's uses are counted twice over, each where it is exact: `coupons.times_used` (taken by
a conditional update in the order's transaction, given back by its cancellation's) caps the
uses of all customers; a customer's own uses are their orders not cancelled that carry the
coupon (`order_coupons`), counted while the coupon row is locked.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
    text,
)

from bookstore.adapters.sql.tables import books, known, metadata, orders, users
from bookstore.adapters.sql.types import UtcDateTime
from bookstore.domain.coupon import CODE_MAX_LEN, CouponKind

coupons = Table(
    "coupons",
    metadata,
    Column("code", String(CODE_MAX_LEN), primary_key=True),
    Column("kind", String(16), nullable=False),
    # A percentage (1-100) or cents, as `kind` says.
    Column("value", BigInteger, nullable=False),
    Column("min_subtotal_cents", BigInteger),
    Column("starts_at", UtcDateTime),
    Column("ends_at", UtcDateTime),
    Column("max_uses", Integer),
    Column("max_uses_per_customer", Integer),
    Column("exclusive", Boolean, nullable=False),
    # A JSON array of genre names, or NULL for every line.
    Column("genres", Text),
    Column("active", Boolean, nullable=False),
    Column("times_used", Integer, nullable=False, server_default=text("0")),
    Column("created_at", UtcDateTime, nullable=False),
    known("kind", CouponKind),
    CheckConstraint("value > 0", name="value_positive"),
    CheckConstraint("times_used >= 0", name="times_used_not_negative"),
    Index("ix_coupons_newest", "created_at", "code"),
)

cart_coupons = Table(
    "cart_coupons",
    metadata,
    Column("user_id", Uuid, ForeignKey(users.c.id, ondelete="CASCADE"), nullable=False),
    Column("code", String(CODE_MAX_LEN), ForeignKey(coupons.c.code), nullable=False),
    Column("position", Integer, nullable=False),
    PrimaryKeyConstraint("user_id", "code"),
)

# A book that left the catalogue while in a cart: its line is gone, the notice stays until the
# cart next changes.
cart_unavailable = Table(
    "cart_unavailable",
    metadata,
    Column("user_id", Uuid, ForeignKey(users.c.id, ondelete="CASCADE"), nullable=False),
    Column("book_id", Integer, ForeignKey(books.c.id, ondelete="CASCADE"), nullable=False),
    PrimaryKeyConstraint("user_id", "book_id"),
)

order_coupons = Table(
    "order_coupons",
    metadata,
    Column("order_id", Uuid, ForeignKey(orders.c.id, ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("code", String(CODE_MAX_LEN), ForeignKey(coupons.c.code), nullable=False),
    Column("discount_cents", BigInteger, nullable=False),
    PrimaryKeyConstraint("order_id", "position"),
    CheckConstraint("discount_cents >= 0", name="discount_not_negative"),
    Index("ix_order_coupons_code", "code"),
)
