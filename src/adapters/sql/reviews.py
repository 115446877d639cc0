"""Reviews in SQL: one row per customer and book (a unique key settles who was first)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Select, bindparam, delete, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from bookstore.adapters.sql.integrity import violates
from bookstore.adapters.sql.statements import Db, Row, page_of
from bookstore.adapters.sql.tables import order_lines, orders, reviews, users
from bookstore.application.queries import ReviewQuery, ReviewSort
from bookstore.domain.pagination import Page
from bookstore.domain.review import PURCHASED, AlreadyReviewed, Review, ReviewText, author_name

_COLUMNS = (*reviews.c, users.c.full_name)
_WITH_AUTHOR = reviews.join(users, users.c.id == reviews.c.user_id)
_OF_BOOK = reviews.c.book_id == bindparam("book_id")


def _one(*conditions: ColumnElement[bool]) -> Select[Any]:
    return select(*_COLUMNS).select_from(_WITH_AUTHOR).where(*conditions)


# Built once; each call only binds its values.
_MINE = _one(reviews.c.user_id == bindparam("user_id"), _OF_BOOK)
_BY_ID = _one(reviews.c.id == bindparam("review_id"))
_MINE_LOCKED = _MINE.with_for_update(of=reviews, key_share=True)
_BY_ID_LOCKED = _BY_ID.with_for_update(of=reviews, key_share=True)
_ADD = insert(reviews)
_REPLACE = update(reviews).where(reviews.c.id == bindparam("review_id"))
_REMOVE = delete(reviews).where(reviews.c.id == bindparam("review_id"))
_NEWEST = (reviews.c.created_at.desc(), reviews.c.id.desc())
_PAGES = {
    sort: _one(_OF_BOOK).order_by(*order).limit(bindparam("limit")).offset(bindparam("offset"))
    for sort, order in (
        (ReviewSort.NEWEST, _NEWEST),
        (ReviewSort.HIGHEST, (reviews.c.rating.desc(), *_NEWEST)),
        (ReviewSort.LOWEST, (reviews.c.rating.asc(), *_NEWEST)),
    )
}
_COUNT = select(func.count()).select_from(reviews).where(_OF_BOOK)
_PURCHASED = (
    select(literal(1))
    .select_from(order_lines.join(orders, orders.c.id == order_lines.c.order_id))
    .where(
        order_lines.c.book_id == bindparam("book_id"),
        orders.c.user_id == bindparam("user_id"),
        orders.c.status.in_([bindparam(f"status_{status.value}") for status in PURCHASED]),
    )
    .limit(1)
)
_PURCHASED_PARAMS = {f"status_{status.value}": status.value for status in PURCHASED}


class SqlReviewRepository:
    """`lock_rows` (a PostgreSQL writer): `mine` and `get` lock the review until the unit of
    work ends, so two edits or deletes of one review take turns (SQLite's writers take turns
    anyway)."""

    def __init__(self, db: Db, *, lock_rows: bool) -> None:
        self._db = db
        self._lock_rows = lock_rows

    def add(self, review: Review) -> None:
        values = _values(review) | {"id": review.id, "created_at": review.created_at}
        values |= {"book_id": review.book_id, "user_id": review.user_id}
        try:
            self._db.write(_ADD, values)
        except IntegrityError as error:
            if violates(error, "uq_reviews_user_id_book_id", "reviews.user_id, reviews.book_id"):
                raise AlreadyReviewed(review.book_id) from error
            raise

    def mine(self, user_id: UUID, book_id: int) -> Review | None:
        stmt = _MINE_LOCKED if self._lock_rows else _MINE
        row = self._db.first(stmt, {"user_id": user_id, "book_id": book_id})
        return None if row is None else _review(row)

    def get(self, review_id: UUID) -> Review | None:
        stmt = _BY_ID_LOCKED if self._lock_rows else _BY_ID
        row = self._db.first(stmt, {"review_id": review_id})
        return None if row is None else _review(row)

    def replace(self, review: Review) -> None:
        self._db.write(_REPLACE, _values(review) | {"review_id": review.id})

    def remove(self, review_id: UUID) -> bool:
        return self._db.write(_REMOVE, {"review_id": review_id}) == 1

    def of_book(self, query: ReviewQuery) -> Page[Review]:
        page = query.page
        params = {"book_id": query.book_id, "limit": page.page_size, "offset": page.offset}
        items = [_review(row) for row in self._db.rows(_PAGES[query.sort], params)]
        return page_of(items, page, lambda: self._db.scalar(_COUNT, {"book_id": query.book_id}))

    def has_purchased(self, user_id: UUID, book_id: int) -> bool:
        params = _PURCHASED_PARAMS | {"user_id": user_id, "book_id": book_id}
        return self._db.first(_PURCHASED, params) is not None


def _values(review: Review) -> dict[str, object]:
    text = review.text
    return {
        "rating": text.rating,
        "title": text.title,
        "body": text.body,
        "updated_at": review.updated_at,
    }


def _review(row: Row) -> Review:
    (review_id, book_id, user_id, rating, title, body, created, updated, full_name) = row
    text = ReviewText(rating, title, body)
    return Review(review_id, book_id, user_id, text, created, updated, author_name(full_name))
