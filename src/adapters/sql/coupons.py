"""Coupons in SQL (§13).

A use is taken with one conditional statement, `UPDATE coupons SET times_used = times_used + 1
WHERE code = :code AND active AND (max_uses IS NULL OR times_used < max_uses)`: however many
orders race for the last use, the database lets one through. A customer's own uses are their
orders not cancelled that carry the coupon, counted after the placement locked the coupon row
(`lock`: `FOR NO KEY UPDATE` on PostgreSQL; SQLite's write lock serialises writers already),
so two orders of one customer cannot both count the same last use.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from functools import lru_cache, partial
from typing import Any
from uuid import UUID

from sqlalchemy import Select, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from bookstore.adapters.sql.coupon_tables import coupons, order_coupons
from bookstore.adapters.sql.integrity import violates
from bookstore.adapters.sql.statements import Db, Row, in_list, listing, page_of, rows_in
from bookstore.adapters.sql.tables import orders
from bookstore.domain.coupon import Coupon, CouponKind
from bookstore.domain.errors import DuplicateCoupon
from bookstore.domain.money import Money
from bookstore.domain.order import OrderStatus
from bookstore.domain.pagination import Page, PageRequest

_c = coupons.c
_COLUMNS = (
    _c.code,
    _c.kind,
    _c.value,
    _c.created_at,
    _c.min_subtotal_cents,
    _c.starts_at,
    _c.ends_at,
    _c.max_uses,
    _c.max_uses_per_customer,
    _c.exclusive,
    _c.genres,
    _c.active,
    _c.times_used,
)
_ADD = insert(coupons)
_ONE = select(*_COLUMNS).where(_c.code == bindparam("code"))
_UPDATE = update(coupons).where(_c.code == bindparam("the_code"))
"""Writes the columns given."""
_TAKE_USE = (
    update(coupons)
    .where(
        _c.code == bindparam("the_code"),
        _c.active.is_(True),
        or_(_c.max_uses.is_(None), _c.times_used < _c.max_uses),
    )
    .values(times_used=_c.times_used + 1)
)
_GIVE_BACK = (
    update(coupons)
    .where(_c.code == bindparam("the_code"), _c.times_used > 0)
    .values(times_used=_c.times_used - 1)
)
_NEWEST_FIRST = (_c.created_at.desc(), _c.code.desc())


@lru_cache(maxsize=2 * 10)
def _coupons_in(count: int, *, lock: bool) -> Select[Any]:
    """The coupons among `count` codes, in code order; `lock`: `FOR NO KEY UPDATE`."""
    stmt = select(*_COLUMNS).where(in_list(_c.code, count)).order_by(_c.code)
    return stmt.with_for_update(key_share=True) if lock else stmt


@lru_cache(maxsize=10)
def _uses_of(count: int) -> Select[Any]:
    """A customer's orders not cancelled that carry each of `count` coupons, per coupon."""
    carried = and_(
        order_coupons.c.order_id == orders.c.id,
        orders.c.user_id == bindparam("user_id"),
        orders.c.status != OrderStatus.CANCELLED.value,
    )
    return (
        select(order_coupons.c.code, func.count())
        .select_from(order_coupons.join(orders, carried))
        .where(in_list(order_coupons.c.code, count))
        .group_by(order_coupons.c.code)
    )


@lru_cache(maxsize=3)
def _listing(by_active: bool) -> tuple[Select[Any], Select[Any]]:
    conditions = [_c.active == bindparam("active")] if by_active else []
    return listing(coupons, _COLUMNS, conditions, _NEWEST_FIRST)


def _rules(coupon: Coupon) -> dict[str, Any]:
    """The columns an admin writes."""
    genres = None if coupon.genres is None else json.dumps(list(coupon.genres))
    minimum = coupon.min_subtotal
    return {
        "kind": coupon.kind.value,
        "value": coupon.value,
        "min_subtotal_cents": None if minimum is None else minimum.cents,
        "starts_at": coupon.starts_at,
        "ends_at": coupon.ends_at,
        "max_uses": coupon.max_uses,
        "max_uses_per_customer": coupon.max_uses_per_customer,
        "exclusive": coupon.exclusive,
        "genres": genres,
        "active": coupon.active,
    }


def _coupon(row: Row) -> Coupon:
    code, kind, value, created_at, minimum, starts, ends, uses, per_customer, *rest = row
    exclusive, genres, active, times_used = rest
    return Coupon(
        code=code,
        kind=CouponKind(kind),
        value=value,
        created_at=created_at,
        min_subtotal=None if minimum is None else Money(minimum),
        starts_at=starts,
        ends_at=ends,
        max_uses=uses,
        max_uses_per_customer=per_customer,
        exclusive=bool(exclusive),
        genres=None if genres is None else tuple(json.loads(genres)),
        active=bool(active),
        times_used=times_used,
    )


class SqlCouponRepository:
    def __init__(self, db: Db, *, lock_rows: bool) -> None:
        self._db = db
        self._lock_rows = lock_rows

    def add(self, coupon: Coupon) -> None:
        values = _rules(coupon) | {
            "code": coupon.code,
            "times_used": coupon.times_used,
            "created_at": coupon.created_at,
        }
        try:
            self._db.write(_ADD, values)
        except IntegrityError as error:
            if violates(error, "pk_coupons", "coupons.code"):
                raise DuplicateCoupon(coupon.code) from error
            raise

    def get(self, code: str) -> Coupon | None:
        row = self._db.first(_ONE, {"code": code})
        return _coupon(row) if row is not None else None

    def get_many(self, codes: Collection[str]) -> dict[str, Coupon]:
        return self._in(codes, lock=False)

    def lock(self, codes: Collection[str]) -> dict[str, Coupon]:
        return self._in(codes, lock=self._lock_rows)

    def update(self, coupon: Coupon) -> bool:
        return self._db.write(_UPDATE, _rules(coupon) | {"the_code": coupon.code}) == 1

    def list(self, active: bool | None, page: PageRequest) -> Page[Coupon]:
        params: dict[str, Any] = {} if active is None else {"active": active}
        page_stmt, count_stmt = _listing(active is not None)
        page_params = params | {"limit": page.page_size, "offset": page.offset}
        items = [_coupon(row) for row in self._db.rows(page_stmt, page_params)]
        return page_of(items, page, lambda: self._db.scalar(count_stmt, params))

    def uses_by(self, user_id: UUID, codes: Collection[str]) -> dict[str, int]:
        counted = rows_in(self._db, _uses_of, sorted(codes), user_id=user_id)
        return dict.fromkeys(codes, 0) | {code: int(count) for code, count in counted}

    def take_use(self, code: str) -> bool:
        return self._db.write(_TAKE_USE, {"the_code": code}) == 1

    def give_back(self, codes: Sequence[str]) -> None:
        self._db.write_many(_GIVE_BACK, [{"the_code": code} for code in codes])

    def _in(self, codes: Collection[str], *, lock: bool) -> dict[str, Coupon]:
        rows = rows_in(self._db, partial(_coupons_in, lock=lock), sorted(codes))
        return {coupon.code: coupon for coupon in map(_coupon, rows)}
