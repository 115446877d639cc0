"""Wire types shared by every resource: money, timestamps, ids and pagination."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Generic, Self, TypeVar

import msgspec
from litestar import Response
from litestar.datastructures import ResponseHeader
from litestar.params import QueryParameter

from bookstore.domain.pagination import MAX_PAGE, MAX_PAGE_SIZE, Page, PageRequest

T = TypeVar("T")
ItemT = TypeVar("ItemT")

MAX_INT_ID = 2**53 - 1
"""Integer ids stay exact in JSON and JavaScript (and in OpenAPI's float bounds); anything
larger names nothing."""

IntId = Annotated[int, msgspec.Meta(ge=1, le=MAX_INT_ID)]
MoneyText = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^-?\d+\.\d{2}$",
        extra_json_schema={"description": "A decimal amount with two decimals, e.g. '12.99'."},
    ),
]
"""What `str(money)` writes."""

PageNumber = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="Page number, from 1.")]
PageSize = Annotated[
    int, QueryParameter(ge=1, le=MAX_PAGE_SIZE, description="Items per page, 1 to 100.")
]


def timestamp(moment: datetime) -> datetime:
    """UTC and whole seconds, so that it renders as `2026-11-21T09:30:00Z`."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.replace(microsecond=0)


class PageOut(msgspec.Struct, Generic[ItemT], kw_only=True):
    """One page of a list. Each resource's page (`BookPage`, ...) is a subclass that restates
    `items` with its item type: Litestar documents a subclass's own annotations only, it does
    not resolve the base's type parameter."""

    items: list[ItemT]
    page: int
    page_size: int
    total: int

    @classmethod
    def of(cls, page: Page[T], item_out: Callable[[T], ItemT]) -> Self:
        return cls(
            items=[item_out(item) for item in page.items],
            page=page.page,
            page_size=page.page_size,
            total=page.total,
        )


def provide_page_request(page: PageNumber = 1, page_size: PageSize = 20) -> PageRequest:
    return PageRequest(page=page, page_size=page_size)


LOCATION_HEADER = ResponseHeader(
    name="Location", description="Path of the created resource.", documentation_only=True
)


def created(content: T, location: str) -> Response[T]:
    """A 201 response pointing at the resource it created."""
    return Response(content, status_code=201, headers={"Location": location})


def amount_schema(description: str, *, minimum: str, nullable: bool = False) -> dict[str, object]:
    """The JSON Schema of a money amount in a request: a decimal string or a number with at
    most two decimals, from `minimum` up to below a billion (the domain checks it again); or
    null, when `nullable` (the schema given here replaces the whole field's)."""
    whole = r"\d{1,9}(\.\d{1,2})?"
    pattern = f"^{whole}$" if minimum == "0" else rf"^(?!0*(\.0*)?$){whole}$"
    return {
        "description": description,
        "extra": {
            "type": None,
            "one_of": [
                {"type": "string", "pattern": pattern},
                {
                    "type": "number",
                    "minimum": float(minimum),
                    "maximum": 999_999_999.99,
                    "multipleOf": 0.01,
                },
                *([{"type": "null"}] if nullable else []),
            ],
        },
    }
