"""Case-folded title, author and genre keys for the catalogue's filters and title sort.

SQLite's `lower()` folds ASCII letters only, so `ÉMILE` did not find `Émile` there while it
did on PostgreSQL. The keys are folded by the application (`fold_case`), alike for every
database and every script, and indexed as `lower(...)` was.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bookstore.application.queries import fold_case

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_IN_CATALOGUE = sa.text("removed_at IS NULL")
_KEYS = (("title_key", "title"), ("author_key", "author"), ("genre_key", "genre"))
_BATCH = 1000

_books = sa.table(
    "books",
    sa.column("id", sa.Integer),
    *(sa.column(name, sa.String) for pair in _KEYS for name in pair),
)


def upgrade() -> None:
    for key, _ in _KEYS:
        op.add_column("books", sa.Column(key, sa.String, nullable=False, server_default=""))
    _fill_keys()
    op.drop_index("ix_books_title_sort", table_name="books")
    op.drop_index("ix_books_genre", table_name="books")
    _catalogue_index("ix_books_title_key_sort", ["title_key", "id"])
    _catalogue_index("ix_books_genre_key", ["genre_key"])
    if op.get_bind().dialect.name == "postgresql":
        for key, _ in _KEYS:
            op.alter_column("books", key, server_default=None)
        op.execute("ANALYZE books")  # the planner's statistics, after filling every row


def _fill_keys() -> None:
    bind = op.get_bind()
    source = sa.select(_books.c.id, _books.c.title, _books.c.author, _books.c.genre)
    rows = bind.execute(source.order_by(_books.c.id)).all()
    update = (
        sa.update(_books)
        .where(_books.c.id == sa.bindparam("book_id"))
        .values({key: sa.bindparam(f"new_{key}") for key, _ in _KEYS})
    )
    for start in range(0, len(rows), _BATCH):
        values = [
            {"book_id": book_id, **{f"new_{key}": fold_case(text) for (key, _), text in
                                    zip(_KEYS, texts, strict=True)}}
            for book_id, *texts in rows[start : start + _BATCH]
        ]  # fmt: skip
        bind.execute(update, values)


def _catalogue_index(name: str, columns: list[str]) -> None:
    op.create_index(
        name, "books", columns, sqlite_where=_IN_CATALOGUE, postgresql_where=_IN_CATALOGUE
    )


def downgrade() -> None:
    op.drop_index("ix_books_genre_key", table_name="books")
    op.drop_index("ix_books_title_key_sort", table_name="books")
    for key, _ in _KEYS:  # SQLite 3.35+ drops a column in place (a batch copy would lose
        op.execute(f"ALTER TABLE books DROP COLUMN {key}")  # the full-text triggers)
    op.create_index(
        "ix_books_title_sort",
        "books",
        [sa.text("lower(title)"), "id"],
        sqlite_where=_IN_CATALOGUE,
        postgresql_where=_IN_CATALOGUE,
    )
    op.create_index(
        "ix_books_genre",
        "books",
        [sa.text("lower(genre)")],
        sqlite_where=_IN_CATALOGUE,
        postgresql_where=_IN_CATALOGUE,
    )
