"""Initial schema: books, users, carts, orders, sessions, and full-text search.

Revision ID: 0001
Revises:
Create Date: 2026-11-21 11:04:07.487412
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_IN_CATALOGUE = sa.text("removed_at IS NULL")


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "books",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("genre", sa.String(length=100), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("isbn", sa.String(length=13), nullable=True),
        sa.Column("description", sa.String(length=5000), nullable=True),
        sa.Column("published_year", sa.Integer(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.Column("removed_at", _utc(), nullable=True),
        sa.CheckConstraint("price_cents > 0", name=op.f("ck_books_price_positive")),
        sa.CheckConstraint("stock <= 1000000", name=op.f("ck_books_stock_at_most_max")),
        sa.CheckConstraint("stock >= 0", name=op.f("ck_books_stock_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_books")),
    )
    op.create_index(
        "ix_books_created_sort",
        "books",
        ["created_at", "id"],
        unique=False,
        sqlite_where=_IN_CATALOGUE,
        postgresql_where=_IN_CATALOGUE,
    )
    op.create_index(
        "ix_books_genre",
        "books",
        [sa.text("lower(genre)")],
        unique=False,
        sqlite_where=_IN_CATALOGUE,
        postgresql_where=_IN_CATALOGUE,
    )
    op.create_index(
        "ix_books_price_sort",
        "books",
        ["price_cents", "id"],
        unique=False,
        sqlite_where=_IN_CATALOGUE,
        postgresql_where=_IN_CATALOGUE,
    )
    op.create_index(
        "ix_books_title_sort",
        "books",
        [sa.text("lower(title)"), "id"],
        unique=False,
        sqlite_where=_IN_CATALOGUE,
        postgresql_where=_IN_CATALOGUE,
    )
    op.create_index(
        "uq_books_isbn",
        "books",
        ["isbn"],
        unique=True,
        sqlite_where=_IN_CATALOGUE,
        postgresql_where=_IN_CATALOGUE,
    )
    op.create_table(
        "revoked_access_tokens",
        sa.Column("token_id", sa.String(length=255), nullable=False),
        sa.Column("expires_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_revoked_access_tokens")),
    )
    op.create_index(
        op.f("ix_revoked_access_tokens_expires_at"),
        "revoked_access_tokens",
        ["expires_at"],
        unique=False,
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.CheckConstraint("role IN ('customer', 'admin')", name=op.f("ck_users_role_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_index("ix_users_created_sort", "users", ["created_at", "id"], unique=False)
    op.create_table(
        "cart_lines",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_cart_lines_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["book_id"], ["books.id"], name=op.f("fk_cart_lines_book_id_books")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_cart_lines_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "book_id", name=op.f("pk_cart_lines")),
    )
    op.create_index("ix_cart_lines_book_id", "cart_lines", ["book_id"], unique=False)
    op.create_table(
        "orders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.CheckConstraint(
            "status IN ('placed', 'paid', 'shipped', 'delivered', 'cancelled')",
            name=op.f("ck_orders_status_known"),
        ),
        sa.CheckConstraint("total_cents >= 0", name=op.f("ck_orders_total_not_negative")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_orders_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
    )
    op.create_index("ix_orders_newest", "orders", ["created_at", "id"], unique=False)
    op.create_index(
        "ix_orders_status_newest", "orders", ["status", "created_at", "id"], unique=False
    )
    op.create_index(
        "ix_orders_user_newest", "orders", ["user_id", "created_at", "id"], unique=False
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("token_id", sa.String(length=255), nullable=False),
        sa.Column("family_id", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("expires_at", _utc(), nullable=False),
        sa.Column("used_at", _utc(), nullable=True),
        sa.Column("revoked_at", _utc(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_refresh_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_refresh_tokens")),
    )
    op.create_index(
        op.f("ix_refresh_tokens_family_id"), "refresh_tokens", ["family_id"], unique=False
    )
    op.create_index("ix_refresh_tokens_user_id", "refresh_tokens", ["user_id"], unique=False)
    op.create_table(
        "order_lines",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("unit_price_cents", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_lines_quantity_positive")),
        sa.CheckConstraint(
            "unit_price_cents >= 0", name=op.f("ck_order_lines_unit_price_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["book_id"], ["books.id"], name=op.f("fk_order_lines_book_id_books")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_lines_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_id", "line_no", name=op.f("pk_order_lines")),
    )
    op.create_index("ix_order_lines_book_id", "order_lines", ["book_id"], unique=False)
    _create_full_text_search()


def downgrade() -> None:
    _drop_full_text_search()
    op.drop_index("ix_order_lines_book_id", table_name="order_lines")
    op.drop_table("order_lines")
    op.drop_index("ix_refresh_tokens_user_id", table_name="refresh_tokens")
    op.drop_index(op.f("ix_refresh_tokens_family_id"), table_name="refresh_tokens")
    op.drop_table("refresh_tokens")
    op.drop_index("ix_orders_user_newest", table_name="orders")
    op.drop_index("ix_orders_status_newest", table_name="orders")
    op.drop_index("ix_orders_newest", table_name="orders")
    op.drop_table("orders")
    op.drop_index("ix_cart_lines_book_id", table_name="cart_lines")
    op.drop_table("cart_lines")
    op.drop_index("ix_users_created_sort", table_name="users")
    op.drop_table("users")
    op.drop_index(op.f("ix_revoked_access_tokens_expires_at"), table_name="revoked_access_tokens")
    op.drop_table("revoked_access_tokens")
    op.drop_index(
        "uq_books_isbn",
        table_name="books",
        sqlite_where=_IN_CATALOGUE,
        postgresql_where=_IN_CATALOGUE,
    )
    op.drop_index(
        "ix_books_title_sort",
        table_name="books",
        sqlite_where=_IN_CATALOGUE,
        postgresql_where=_IN_CATALOGUE,
    )
    op.drop_index(
        "ix_books_price_sort",
        table_name="books",
        sqlite_where=_IN_CATALOGUE,
        postgresql_where=_IN_CATALOGUE,
    )
    op.drop_index(
        "ix_books_genre",
        table_name="books",
        sqlite_where=_IN_CATALOGUE,
        postgresql_where=_IN_CATALOGUE,
    )
    op.drop_index(
        "ix_books_created_sort",
        table_name="books",
        sqlite_where=_IN_CATALOGUE,
        postgresql_where=_IN_CATALOGUE,
    )
    op.drop_table("books")


# Full-text search (see bookstore.adapters.sql.fulltext): not in the metadata, differs per database.

_SQLITE_FTS = (
    """
    CREATE VIRTUAL TABLE books_fts USING fts5(
        title, author, genre,
        content='books', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3'
    )
    """,
    """
    CREATE TRIGGER books_fts_insert AFTER INSERT ON books BEGIN
        INSERT INTO books_fts(rowid, title, author, genre)
        VALUES (new.id, new.title, new.author, new.genre);
    END
    """,
    """
    CREATE TRIGGER books_fts_delete AFTER DELETE ON books BEGIN
        INSERT INTO books_fts(books_fts, rowid, title, author, genre)
        VALUES ('delete', old.id, old.title, old.author, old.genre);
    END
    """,
    """
    CREATE TRIGGER books_fts_update AFTER UPDATE OF title, author, genre ON books BEGIN
        INSERT INTO books_fts(books_fts, rowid, title, author, genre)
        VALUES ('delete', old.id, old.title, old.author, old.genre);
        INSERT INTO books_fts(rowid, title, author, genre)
        VALUES (new.id, new.title, new.author, new.genre);
    END
    """,
    "INSERT INTO books_fts(books_fts) VALUES ('rebuild')",
)

_PG_TRY_UNACCENT = """
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS unaccent;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'unaccent is unavailable (%): search folds case only', SQLERRM;
END
$$
"""

_PG_UNACCENT_SCHEMA = """
SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = 'unaccent'
"""

# IMMUTABLE so that a generated column may use it; unaccent() itself is only STABLE because
# its dictionary could be changed, which this schema never does.
_PG_FOLD = """
CREATE OR REPLACE FUNCTION bookstore_fold(value text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT {body} $$
"""

_PG_SEARCH_VECTOR = (
    """
    ALTER TABLE books ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, bookstore_fold(title)), 'A')
        || setweight(to_tsvector('simple'::regconfig, bookstore_fold(author)), 'B')
        || setweight(to_tsvector('simple'::regconfig, bookstore_fold(genre)), 'C')
    ) STORED
    """,
    "CREATE INDEX ix_books_search_vector ON books USING gin (search_vector)",
)


def _create_full_text_search() -> None:
    context = op.get_context()
    dialect = context.dialect.name
    if dialect == "sqlite":
        for statement in _SQLITE_FTS:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(_PG_TRY_UNACCENT)
        if context.as_sql:  # offline (`alembic upgrade --sql`): assume the usual schema
            schema: object = "public"
        else:
            schema = op.get_bind().exec_driver_sql(_PG_UNACCENT_SCHEMA).scalar()
        if schema is None:
            body = "lower(value)"
        else:
            quoted = '"' + str(schema).replace('"', '""') + '"'
            body = f"lower({quoted}.unaccent('{quoted}.unaccent'::regdictionary, value))"
        op.execute(_PG_FOLD.format(body=body))
        for statement in _PG_SEARCH_VECTOR:
            op.execute(statement)


def _drop_full_text_search() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "sqlite":
        for trigger in ("books_fts_insert", "books_fts_delete", "books_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS books_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_books_search_vector")
        op.execute("ALTER TABLE books DROP COLUMN IF EXISTS search_vector")
        op.execute("DROP FUNCTION IF EXISTS bookstore_fold(text)")
