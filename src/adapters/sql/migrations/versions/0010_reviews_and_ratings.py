"""Reviews, the rating kept on each book, and the index of the orders holding a book (§15).

- `reviews`: one per customer and book (a unique key).
- `books.rating_count`, `rating_sum`: moved by relative updates in each review's
  transaction; `rating_mean` their mean (0 without reviews), the key of `sort=-rating` and
  `min_rating`, with a partial index over the catalogue. Columns added in place (no table
  copy on SQLite, which would drop the search and count triggers of `books`).
- `order_lines (book_id, order_id)` replaces `(book_id)`: "also bought" finds the orders
  holding a book in the index alone.
- `books (genre_key, genre)` replaces `(genre_key)`: the genre facet counts every book of
  the catalogue from the index alone.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 03:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_IN_CATALOGUE = sa.text("removed_at IS NULL")


def upgrade() -> None:
    for name, type_ in (
        ("rating_count", sa.Integer()),
        ("rating_sum", sa.Integer()),
        ("rating_mean", sa.Float()),
    ):
        column = sa.Column(name, type_, nullable=False, server_default=sa.text("0"))
        op.add_column("books", column)
    op.create_index(
        "ix_books_rating_sort",
        "books",
        [sa.text("rating_mean DESC"), sa.text("rating_count DESC"), "id"],
        sqlite_where=_IN_CATALOGUE,
        postgresql_where=_IN_CATALOGUE,
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=True),
        sa.Column("body", sa.String(length=5000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_reviews_rating_range")),
        sa.ForeignKeyConstraint(["book_id"], ["books.id"], name=op.f("fk_reviews_book_id_books")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_reviews_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("user_id", "book_id", name=op.f("uq_reviews_user_id_book_id")),
    )
    op.create_index("ix_reviews_book_newest", "reviews", ["book_id", "created_at", "id"])
    op.create_index("ix_reviews_book_rating", "reviews", ["book_id", "rating", "created_at", "id"])
    op.create_index("ix_order_lines_book_id_order_id", "order_lines", ["book_id", "order_id"])
    op.drop_index("ix_order_lines_book_id", table_name="order_lines")
    op.create_index(
        "ix_books_genre_key_genre",
        "books",
        ["genre_key", "genre"],
        sqlite_where=_IN_CATALOGUE,
        postgresql_where=_IN_CATALOGUE,
    )
    op.drop_index("ix_books_genre_key", table_name="books")
    if op.get_context().dialect.name == "postgresql":
        op.execute("ANALYZE books")
        op.execute("ANALYZE order_lines")


def downgrade() -> None:
    op.create_index(
        "ix_books_genre_key",
        "books",
        ["genre_key"],
        sqlite_where=_IN_CATALOGUE,
        postgresql_where=_IN_CATALOGUE,
    )
    op.drop_index("ix_books_genre_key_genre", table_name="books")
    op.create_index("ix_order_lines_book_id", "order_lines", ["book_id"])
    op.drop_index("ix_order_lines_book_id_order_id", table_name="order_lines")
    op.drop_table("reviews")
    op.drop_index("ix_books_rating_sort", table_name="books")
    for name in ("rating_mean", "rating_sum", "rating_count"):
        op.drop_column("books", name)
