"""Coupons on the wire (§13): an admin's bodies, and the coupon as an admin sees it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import msgspec
from litestar.params import QueryParameter
from msgspec import UNSET, UnsetType

from bookstore.application.use_cases.create_coupon import CreateCouponCommand
from bookstore.application.use_cases.update_coupon import CouponChanges
from bookstore.domain.coupon import GENRE, MAX_GENRES, Coupon, CouponKind
from bookstore.domain.pagination import Page
from bookstore.domain.user import Actor
from bookstore.entrypoints.http.schemas.common import MoneyText, PageOut, amount_schema, timestamp

MAX_TYPED_CODE = 100
"""A typed code longer than this is refused as bad input (400); a shorter one that no coupon
could have is a coupon that does not apply (`unknown`)."""

TypedCode = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TYPED_CODE)]
# JSON numbers arrive as Decimal (see requests.py); strings parse as Decimal too.
Amount = Annotated[
    Decimal,
    msgspec.Meta(
        extra_json_schema=amount_schema(
            "A percentage (a whole number 1 to 100) or a money amount ('5.00').", minimum="0.01"
        )
    ),
]
MoneyAmount = Annotated[
    Decimal,
    msgspec.Meta(
        extra_json_schema=amount_schema("A money amount, e.g. '25.00'.", minimum="0", nullable=True)
    ),
]
Moment = Annotated[datetime, msgspec.Meta(tz=True, description="RFC 3339, with a time zone.")]
Limit = Annotated[int, msgspec.Meta(ge=1, le=1_000_000_000)]
GenreName = Annotated[str, msgspec.Meta(min_length=GENRE.min_len, max_length=GENRE.max_len)]
Genres = Annotated[list[GenreName], msgspec.Meta(min_length=1, max_length=MAX_GENRES)]
ActiveFilter = Annotated[
    bool | None, QueryParameter(description="Only active (true) or inactive (false) coupons.")
]


class CouponCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    code: TypedCode
    kind: CouponKind
    value: Amount
    min_subtotal: MoneyAmount | None = None
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    max_uses: Limit | None = None
    """Uses by all customers; null: unlimited."""
    max_uses_per_customer: Limit | None = 1
    exclusive: bool = True
    genres: Genres | None = None
    """Null: every line; otherwise only the lines of these genres."""
    active: bool = True


class CouponPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """The fields given change; the others keep their value. The code cannot change."""

    kind: CouponKind | UnsetType = UNSET
    value: Amount | UnsetType = UNSET
    min_subtotal: MoneyAmount | UnsetType | None = UNSET
    starts_at: Moment | UnsetType | None = UNSET
    ends_at: Moment | UnsetType | None = UNSET
    max_uses: Limit | UnsetType | None = UNSET
    max_uses_per_customer: Limit | UnsetType | None = UNSET
    exclusive: bool | UnsetType = UNSET
    genres: Genres | UnsetType | None = UNSET
    active: bool | UnsetType = UNSET


class CouponOut(msgspec.Struct, kw_only=True):
    code: str
    kind: CouponKind
    value: int | str
    """A percentage (an integer), or a money string for a fixed coupon."""
    min_subtotal: MoneyText | None
    starts_at: datetime | None
    ends_at: datetime | None
    max_uses: int | None
    max_uses_per_customer: int | None
    exclusive: bool
    genres: list[str] | None
    active: bool
    times_used: int
    created_at: datetime


class CouponPage(PageOut[CouponOut], kw_only=True):
    items: list[CouponOut]


class ApplyCouponRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    code: TypedCode
    """Matched case-insensitively."""


def create_command(actor: Actor, data: CouponCreate) -> CreateCouponCommand:
    fields = msgspec.structs.asdict(data)
    if data.genres is not None:
        fields["genres"] = tuple(data.genres)
    return CreateCouponCommand(actor=actor, **fields)


def coupon_changes(data: CouponPatch) -> CouponChanges:
    given: dict[str, Any] = {
        name: value
        for name in data.__struct_fields__
        if (value := getattr(data, name)) is not UNSET
    }
    if given.get("genres") is not None:
        given["genres"] = tuple(given["genres"])
    return CouponChanges(**given)


def _moment(value: datetime | None) -> datetime | None:
    return None if value is None else timestamp(value)


def coupon_out(coupon: Coupon) -> CouponOut:
    fixed = coupon.kind is CouponKind.FIXED
    minimum = coupon.min_subtotal
    return CouponOut(
        code=coupon.code,
        kind=coupon.kind,
        value=str(coupon.amount) if fixed else coupon.value,
        min_subtotal=None if minimum is None else str(minimum),
        starts_at=_moment(coupon.starts_at),
        ends_at=_moment(coupon.ends_at),
        max_uses=coupon.max_uses,
        max_uses_per_customer=coupon.max_uses_per_customer,
        exclusive=coupon.exclusive,
        genres=None if coupon.genres is None else list(coupon.genres),
        active=coupon.active,
        times_used=coupon.times_used,
        created_at=timestamp(coupon.created_at),
    )


def coupon_page(page: Page[Coupon]) -> CouponPage:
    return CouponPage.of(page, coupon_out)
