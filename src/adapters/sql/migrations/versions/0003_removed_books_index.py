"""A partial index of the removed books, so that counting them reads only them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 14:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REMOVED = sa.text("removed_at IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_books_removed",
        "books",
        ["id"],
        sqlite_where=_REMOVED,
        postgresql_where=_REMOVED,
    )


def downgrade() -> None:
    op.drop_index("ix_books_removed", table_name="books")
