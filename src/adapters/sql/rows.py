"""Typing help shared by the repositories."""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy import Row

AnyRow: TypeAlias = Row[*tuple[Any, ...]]
"""A result row of any width (rows are read by column name)."""
