"""The relational schema, as SQLAlchemy Core tables on one `MetaData`.

Money is integer cents. Books are soft-deleted (`removed_at`): past order lines keep their
`book_id` together with their own title and price. Every index below backs a filter or sort
the use cases ask for; the full-text search objects (an FTS5 table on SQLite, a `tsvector`
column on PostgreSQL) are not here but in `fulltext`, because they differ per database.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    text,
)

from bookstore.adapters.sql.types import UtcDateTime
from bookstore.domain.book import (
    AUTHOR,
    DEFAULT_LOW_STOCK_THRESHOLD,
    DESCRIPTION,
    GENRE,
    STOCK,
    TITLE,
)
from bookstore.domain.inventory import NOTE as MOVEMENT_NOTE
from bookstore.domain.inventory import MovementReason
from bookstore.domain.order_status import (
    CARRIER,
    NOTE,
    REASON,
    TRACKING_NUMBER,
    ActorKind,
    OrderStatus,
)
from bookstore.domain.payment import OrderPaymentStatus
from bookstore.domain.review import RATING, REVIEW_BODY, REVIEW_TITLE
from bookstore.domain.user import FULL_NAME, Role
from bookstore.domain.values import Email

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ISBN_LEN = 13
TOKEN_ID_LEN = 255
PASSWORD_HASH_LEN = 255

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def known(column: str, kind: type[Enum]) -> CheckConstraint:
    """`<column>_known`: the column holds one of the enumeration's values."""
    quoted = ", ".join(f"'{member.value}'" for member in kind)
    return CheckConstraint(f"{column} IN ({quoted})", name=f"{column}_known")


books = Table(
    "books",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(TITLE.max_len), nullable=False),
    Column("author", String(AUTHOR.max_len), nullable=False),
    Column("genre", String(GENRE.max_len), nullable=False),
    # Case-folded title, author and genre (`fold_case`), written with them: the filters and
    # the title sort compare these, alike on every database and in every script.
    Column("title_key", String, nullable=False),
    Column("author_key", String, nullable=False),
    Column("genre_key", String, nullable=False),
    Column("price_cents", Integer, nullable=False),
    Column("stock", Integer, nullable=False),
    Column("isbn", String(ISBN_LEN)),
    Column("description", String(DESCRIPTION.max_len)),
    Column("published_year", Integer),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("removed_at", UtcDateTime),
    Column(
        "low_stock_threshold",
        Integer,
        nullable=False,
        server_default=text(str(DEFAULT_LOW_STOCK_THRESHOLD)),
    ),
    # §15: the count and sum of the book's review ratings, moved by relative updates in the
    # transaction of each review, and their mean as the rating sort's key (0: no review).
    # The average shown is computed from the count and sum, exactly.
    Column("rating_count", Integer, nullable=False, server_default=text("0")),
    Column("rating_sum", Integer, nullable=False, server_default=text("0")),
    Column("rating_mean", Float, nullable=False, server_default=text("0")),
    CheckConstraint("stock >= 0", name="stock_not_negative"),
    CheckConstraint(f"stock <= {STOCK.maximum}", name="stock_at_most_max"),
    CheckConstraint("price_cents > 0", name="price_positive"),
    CheckConstraint("low_stock_threshold >= 0", name="low_stock_threshold_not_negative"),
)

_in_catalogue = books.c.removed_at.is_(None)


def _catalogue_index(name: str, *expressions: Any, unique: bool = False) -> Index:
    """A partial index over the books still in the catalogue (the only ones ever listed)."""
    return Index(
        name,
        *expressions,
        unique=unique,
        sqlite_where=_in_catalogue,
        postgresql_where=_in_catalogue,
    )


_catalogue_index("uq_books_isbn", books.c.isbn, unique=True)
_catalogue_index("ix_books_title_key_sort", books.c.title_key, books.c.id)
_catalogue_index("ix_books_price_sort", books.c.price_cents, books.c.id)
_catalogue_index("ix_books_created_sort", books.c.created_at, books.c.id)
# The genre filter, and (§15) the genre facet's counts read from the index alone.
_catalogue_index("ix_books_genre_key_genre", books.c.genre_key, books.c.genre)
# §15: `sort=-rating` and `min_rating` (a range of its first column).
_catalogue_index(
    "ix_books_rating_sort", books.c.rating_mean.desc(), books.c.rating_count.desc(), books.c.id
)
# The few removed books, counted by the relevance search on SQLite (`book_search`).
_removed = books.c.removed_at.is_not(None)
Index("ix_books_removed", books.c.id, sqlite_where=_removed, postgresql_where=_removed)

catalogue_counts = Table(
    "catalogue_counts",
    metadata,
    # One row: the number of books in the catalogue, kept by triggers on `books` in the
    # transactions that add and remove them (migration 0007).
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("books", BigInteger, nullable=False),
    CheckConstraint("id = 1", name="one_row"),
    CheckConstraint("books >= 0", name="not_negative"),
)

users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    # Email.parse lower-cases, so a plain UNIQUE makes emails unique whatever their case.
    Column("email", String(Email.MAX_LEN), nullable=False, unique=True),
    Column("full_name", String(FULL_NAME.max_len), nullable=False),
    Column("role", String(16), nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("password_hash", String(PASSWORD_HASH_LEN), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    known("role", Role),
    Index("ix_users_created_sort", "created_at", "id"),
)

cart_lines = Table(
    "cart_lines",
    metadata,
    Column("user_id", Uuid, ForeignKey(users.c.id, ondelete="CASCADE"), nullable=False),
    Column("book_id", Integer, ForeignKey(books.c.id), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    # §13: the book's price when the line was last added or set.
    Column("price_cents", Integer),
    PrimaryKeyConstraint("user_id", "book_id"),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    Index("ix_cart_lines_book_id", "book_id"),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, ForeignKey(users.c.id), nullable=False),
    Column("status", String(16), nullable=False),
    Column("total_cents", BigInteger, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("cancellation_reason", String(REASON.max_len)),
    Column("carrier", String(CARRIER.max_len)),
    Column("tracking_number", String(TRACKING_NUMBER.max_len)),
    # §12; the default costs a placement nothing (no column to send).
    Column(
        "payment_status",
        String(16),
        nullable=False,
        server_default=OrderPaymentStatus.UNPAID.value,
    ),
    known("status", OrderStatus),
    known("payment_status", OrderPaymentStatus),
    # §13: what the order's coupons took off its lines' subtotal; NULL when it carried none
    # (its `order_coupons` are read only for orders with a value here).
    Column("discount_cents", BigInteger),
    CheckConstraint("total_cents >= 0", name="total_not_negative"),
    Index("ix_orders_user_newest", "user_id", "created_at", "id"),
    Index("ix_orders_status_newest", "status", "created_at", "id"),
    Index("ix_orders_newest", "created_at", "id"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", Uuid, ForeignKey(orders.c.id, ondelete="CASCADE"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("book_id", Integer, ForeignKey(books.c.id), nullable=False),
    Column("title", String(TITLE.max_len), nullable=False),
    Column("unit_price_cents", Integer, nullable=False),
    Column("quantity", Integer, nullable=False),
    PrimaryKeyConstraint("order_id", "line_no"),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("unit_price_cents >= 0", name="unit_price_not_negative"),
    # §15: the orders holding a book, without reading the lines (also-bought); it serves
    # the foreign key to books as well.
    Index("ix_order_lines_book_id_order_id", "book_id", "order_id"),
)

order_status_history = Table(
    "order_status_history",
    metadata,
    Column("order_id", Uuid, ForeignKey(orders.c.id, ondelete="CASCADE"), nullable=False),
    # 1 for `placed`; a transition writes the next, so two at once cannot both land.
    Column("position", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("actor", String(16), nullable=False),
    Column("actor_id", Uuid),
    Column("note", String(NOTE.max_len)),
    Column("at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("order_id", "position"),
    known("status", OrderStatus),
    known("actor", ActorKind),
)

# The stock ledger: the application only ever inserts rows. `actor_id` is an audit value, not
# a foreign key: the ledger outlives accounts. A book's ledger belongs to it: the application
# never deletes a book (it leaves the catalogue), but a book deleted by hand takes its ledger
# along. Listed per book, newest first.
stock_movements = Table(
    "stock_movements",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("book_id", Integer, ForeignKey(books.c.id, ondelete="CASCADE"), nullable=False),
    Column("delta", Integer, nullable=False),
    Column("reason", String(16), nullable=False),
    Column("order_id", Uuid, ForeignKey(orders.c.id)),
    Column("actor_id", Uuid),
    Column("note", String(MOVEMENT_NOTE.max_len)),
    Column("at", UtcDateTime, nullable=False),
    CheckConstraint("delta <> 0", name="delta_not_zero"),
    known("reason", MovementReason),
    Index("ix_stock_movements_book_newest", "book_id", "at", "id"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_id", String(TOKEN_ID_LEN), primary_key=True),
    Column("family_id", String(TOKEN_ID_LEN), nullable=False, index=True),
    Column("user_id", Uuid, ForeignKey(users.c.id, ondelete="CASCADE"), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
    Index("ix_refresh_tokens_user_id", "user_id"),
)

revoked_access_tokens = Table(
    "revoked_access_tokens",
    metadata,
    Column("token_id", String(TOKEN_ID_LEN), primary_key=True),
    # Kept until the token would have expired anyway; lets a sweeper prune old rows.
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)

IDEMPOTENCY_KEY_LEN = 255
FINGERPRINT_LEN = 128

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("user_id", Uuid, ForeignKey(users.c.id, ondelete="CASCADE"), nullable=False),
    Column("key", String(IDEMPOTENCY_KEY_LEN), nullable=False),
    Column("fingerprint", String(FINGERPRINT_LEN), nullable=False),
    Column("order_id", Uuid, ForeignKey(orders.c.id), nullable=False),
    # Records older than the key's lifetime are replaced on reuse, and may be pruned.
    Column("created_at", UtcDateTime, nullable=False, index=True),
    PrimaryKeyConstraint("user_id", "key"),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("book_id", Integer, ForeignKey(books.c.id), nullable=False),
    Column("user_id", Uuid, ForeignKey(users.c.id), nullable=False),
    Column("rating", Integer, nullable=False),
    Column("title", String(REVIEW_TITLE.max_len)),
    Column("body", String(REVIEW_BODY.max_len)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint(f"rating BETWEEN {RATING.minimum} AND {RATING.maximum}", name="rating_range"),
    # One review per customer and book, settled here: two at once cannot both land.
    UniqueConstraint("user_id", "book_id"),
    Index("ix_reviews_book_newest", "book_id", "created_at", "id"),
    Index("ix_reviews_book_rating", "book_id", "rating", "created_at", "id"),
)
