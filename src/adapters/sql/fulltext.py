"""Relevance-ranked full-text search over title, author and genre, one way per database.

- SQLite: an FTS5 external-content table `books_fts` (tokenizer `unicode61
  remove_diacritics 2`), kept in sync with `books` by triggers, ranked with `bm25`.
- PostgreSQL: a generated `tsvector` column `books.search_vector` (config `simple` over
  `bookstore_fold`, which is `lower(unaccent(...))` when the extension is available), a GIN
  index, ranked with `ts_rank`.

Every word must match (as a prefix of a word), case- and accent-insensitively; the title
weighs most, then the author, then the genre. These objects are created by the migrations and
are not part of `tables.metadata`, so the schema drift check leaves them out by name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    Float,
    FromClause,
    Integer,
    String,
    bindparam,
    column,
    func,
    literal_column,
    table,
    true,
)
from sqlalchemy.sql.elements import ColumnClause, ColumnElement, UnaryExpression

from bookstore.adapters.sql.tables import books

FTS_TABLE = "books_fts"
SEARCH_VECTOR_COLUMN = "search_vector"
SEARCH_VECTOR_INDEX = "ix_books_search_vector"

# bm25 weights, in the FTS5 table's column order: title, author, genre.
FTS_WEIGHTS = (10.0, 4.0, 1.0)

_fts = table(FTS_TABLE, column("rowid", Integer))
_fts_name: ColumnClause[Any] = literal_column(FTS_TABLE)
_search_vector: ColumnClause[Any] = literal_column(f"books.{SEARCH_VECTOR_COLUMN}")
_simple: ColumnClause[Any] = literal_column("'simple'::regconfig")


WORDS = "words"
"""The parameter that carries a search's match expression (`match_expression`)."""


@dataclass(frozen=True, slots=True)
class TextMatch:
    """How to narrow a books query to the matches of some words, and rank them."""

    source: FromClause
    condition: ColumnElement[bool]
    rank: ColumnElement[float]
    best_first: UnaryExpression[float]
    index: FromClause
    """The full-text index itself (SQLite: the FTS5 table; PostgreSQL: `books`)."""


@cache
def text_match(dialect: str) -> TextMatch:
    if dialect == "sqlite":
        return _fts5_match()
    if dialect == "postgresql":
        return _tsvector_match()
    raise ValueError(f"no full-text search for dialect {dialect!r}")


def match_expression(dialect: str, words: Sequence[str]) -> str:
    """The value of `WORDS` for these words: every word, as a prefix. The words come from
    `BookQuery.search_words`: letters and digits only, so quoting them cannot let query
    syntax through."""
    if dialect == "sqlite":
        return " AND ".join(f'"{word}"*' for word in words)
    return " & ".join(f"{word}:*" for word in words)


def _fts5_match() -> TextMatch:
    rank = func.bm25(_fts_name, *FTS_WEIGHTS, type_=Float)
    return TextMatch(
        source=books.join(_fts, _fts.c.rowid == books.c.id),
        condition=_fts_name.bool_op("MATCH")(bindparam(WORDS, type_=String)),
        rank=rank,
        best_first=rank.asc(),  # bm25 is lower for better matches
        index=_fts,
    )


def _tsvector_match() -> TextMatch:
    # The query is a function in FROM: computed once per statement, also in a generic plan
    # of the prepared statement (in the WHERE and ORDER BY clauses it would fold and parse
    # the words again for every match), and the GIN index takes it as its condition.
    words = func.to_tsquery(_simple, func.bookstore_fold(bindparam(WORDS, type_=String)))
    found = words.alias("search_query")
    query = found.column
    rank = func.ts_rank(_search_vector, query, type_=Float)
    return TextMatch(
        source=books.join(found, true()),
        condition=_search_vector.bool_op("@@")(query),
        rank=rank,
        best_first=rank.desc(),
        index=books,
    )


def include_name(name: str | None, type_: str, parent_names: Mapping[Any, str | None]) -> bool:
    """Alembic `include_name` hook: leave the search objects out of schema comparisons."""
    if type_ == "table":
        return not (name or "").startswith(FTS_TABLE)
    if type_ in ("column", "index") and parent_names.get("table_name") == books.name:
        return name not in (SEARCH_VECTOR_COLUMN, SEARCH_VECTOR_INDEX)
    return True
