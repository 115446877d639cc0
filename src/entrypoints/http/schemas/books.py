"""Books on the wire: the catalogue query, create and patch bodies, and the book view."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

import msgspec
from litestar.params import QueryParameter
from msgspec import UNSET, UnsetType

from bookstore.application.queries import MAX_FILTER_TEXT, MAX_SEARCH_TEXT, BookQuery, BookSort
from bookstore.application.use_cases.facet_books import FacetedPage
from bookstore.domain.book import (
    AUTHOR,
    DESCRIPTION,
    GENRE,
    LOW_STOCK_THRESHOLD,
    PUBLISHED_YEAR,
    STOCK,
    TITLE,
    Book,
    BookChanges,
    BookDetails,
)
from bookstore.domain.errors import FieldError, InvalidInput
from bookstore.domain.money import Money
from bookstore.domain.pagination import Page, PageRequest
from bookstore.domain.review import Rating
from bookstore.entrypoints.http.schemas.common import (
    MoneyText,
    PageNumber,
    PageOut,
    PageSize,
    timestamp,
)

_PRICE_SCHEMA = {
    "description": "More than 0, under 1,000,000, at most two decimals: '12.99' or 12.99.",
    "extra": {
        "type": None,
        # Plain dicts: Litestar writes nested `Schema` objects with Python field names.
        "one_of": [
            {"type": "string", "pattern": r"^(?!0*(\.0*)?$)\d{1,7}(\.\d{1,2})?$"},
            {"type": "number", "minimum": 0.01, "maximum": 999_999.99, "multipleOf": 0.01},
        ],
    },
}

# JSON numbers arrive as Decimal (see requests.py), so 12.99 is exact; strings parse as Decimal too.
Price = Annotated[Decimal, msgspec.Meta(extra_json_schema=_PRICE_SCHEMA)]
Title = Annotated[str, msgspec.Meta(min_length=TITLE.min_len, max_length=TITLE.max_len)]
Author = Annotated[str, msgspec.Meta(min_length=AUTHOR.min_len, max_length=AUTHOR.max_len)]
Genre = Annotated[str, msgspec.Meta(min_length=GENRE.min_len, max_length=GENRE.max_len)]
Stock = Annotated[
    int,
    msgspec.Meta(
        ge=STOCK.minimum,
        le=STOCK.maximum,
        # Litestar drops a zero minimum from the schema of `int | UNSET` fields; restate it.
        extra_json_schema={"extra": {"minimum": STOCK.minimum}},
    ),
]
IsbnText = Annotated[str, msgspec.Meta(min_length=10, max_length=17, examples=["9780141439518"])]
Description = Annotated[str, msgspec.Meta(max_length=DESCRIPTION.max_len)]
Year = Annotated[int, msgspec.Meta(ge=PUBLISHED_YEAR.minimum, le=PUBLISHED_YEAR.maximum)]
Threshold = Annotated[
    int,
    msgspec.Meta(
        ge=LOW_STOCK_THRESHOLD.minimum,
        le=LOW_STOCK_THRESHOLD.maximum,
        description="At or below this stock the book is low on stock.",
        extra_json_schema={"extra": {"minimum": LOW_STOCK_THRESHOLD.minimum}},
    ),
]
PriceFilter = Annotated[
    str | None,
    QueryParameter(pattern=r"^\d{1,7}(\.\d{1,2})?$", description="Inclusive price bound, '12.99'."),
]
FilterText = Annotated[str | None, QueryParameter(min_length=1, max_length=MAX_FILTER_TEXT)]


class BookCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    title: Title
    author: Author
    genre: Genre
    price: Price
    stock: Stock
    isbn: IsbnText | None = None
    description: Description | None = None
    published_year: Year | None = None
    low_stock_threshold: Threshold | None = None
    """Default: the store's (`BOOKSTORE_LOW_STOCK_THRESHOLD`)."""

    @staticmethod
    def value_errors(fields: Mapping[str, Any]) -> list[FieldError]:
        return book_value_errors(fields)


class BookPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """Only the fields given change; `null` clears `isbn`, `description` or `published_year`."""

    title: Title | UnsetType = UNSET
    author: Author | UnsetType = UNSET
    genre: Genre | UnsetType = UNSET
    price: Price | UnsetType = UNSET
    stock: Stock | UnsetType = UNSET
    isbn: IsbnText | UnsetType | None = UNSET
    description: Description | UnsetType | None = UNSET
    published_year: Year | UnsetType | None = UNSET
    low_stock_threshold: Threshold | UnsetType = UNSET

    @staticmethod
    def value_errors(fields: Mapping[str, Any]) -> list[FieldError]:
        return book_value_errors(fields)


class RatingOut(msgspec.Struct, kw_only=True, frozen=True):
    average: str | None
    """The mean of the review ratings, two decimals rounded half up; null without reviews."""
    count: int


class BookOut(msgspec.Struct, kw_only=True, frozen=True):
    id: int
    title: str
    author: str
    genre: str
    price: MoneyText
    stock: int
    isbn: str | None
    description: str | None
    published_year: int | None
    created_at: datetime
    updated_at: datetime
    low_stock_threshold: int
    rating: RatingOut


class FacetOut(msgspec.Struct, kw_only=True, frozen=True):
    value: str
    count: int


class FacetsOut(msgspec.Struct, kw_only=True, frozen=True):
    genre: list[FacetOut]
    """Every genre among all the books matching the filters, most books first."""


class BookPage(PageOut[BookOut], kw_only=True):
    items: list[BookOut]
    facets: FacetsOut | UnsetType = UNSET
    """With `facets=genre` only."""


class BookList(msgspec.Struct, kw_only=True):
    items: list[BookOut]


class Facet(StrEnum):
    GENRE = "genre"


def book_details(data: BookCreate) -> BookDetails:
    return BookDetails.parse(
        title=data.title,
        author=data.author,
        genre=data.genre,
        price=_sane_price(data.price),
        stock=data.stock,
        isbn=data.isbn,
        description=data.description,
        published_year=data.published_year,
    )


def book_changes(data: BookPatch) -> BookChanges:
    given: dict[str, Any] = {
        name: value
        for name in data.__struct_fields__
        if (value := getattr(data, name)) is not UNSET
    }
    if "price" in given:
        given["price"] = _sane_price(given["price"])
    return BookChanges(**given)


def book_value_errors(fields: Mapping[str, Any]) -> list[FieldError]:
    """The domain's word on the well-shaped fields of a refused body (a price of 0, an ISBN
    with a wrong check digit), so that they are named beside the others."""
    try:
        book_changes(BookPatch(**fields)).check()
    except InvalidInput as refused:
        return list(refused.errors)
    return []


def _sane_price(price: Decimal) -> Decimal:
    """Refuse absurd exponents (`1e999999999`) before the domain's Decimal arithmetic
    overflows on them; every real price is far below this."""
    if price.is_finite() and price.adjusted() > _PRICE_DIGITS:
        raise InvalidInput.single("price", "must be more than 0 and less than 1000000")
    return price


_PRICE_DIGITS = 9


_Remembered = tuple[BookDetails, int, datetime, datetime, int, Rating, BookOut]
_OUT_BY_DETAILS: dict[int, _Remembered] = {}
_MAX_REMEMBERED = 1024


def book_out(book: Book) -> BookOut:
    """The book as the API shows it.

    Every read of an unchanged SQLite row shares the row's immutable `BookDetails` and
    times (`book_rows.book_from_row`), so what was made of them is remembered, by the
    identity of the details object (held here, so that identity cannot be reused while it
    is remembered). A book that changed has new details or a new `updated_at`, and misses."""
    details = book.details
    seen = _OUT_BY_DETAILS.get(id(details))
    if (
        seen is not None
        and seen[0] is details
        and seen[1] == book.id
        and seen[2] is book.created_at
        and seen[3] is book.updated_at
        and seen[4] == book.low_stock_threshold
        and (seen[5] is book.rating or seen[5] == book.rating)
    ):
        return seen[6]
    out = _book_out(book)
    if len(_OUT_BY_DETAILS) >= _MAX_REMEMBERED:
        _OUT_BY_DETAILS.clear()
    threshold = book.low_stock_threshold
    remembered = (details, book.id, book.created_at, book.updated_at, threshold, book.rating, out)
    _OUT_BY_DETAILS[id(details)] = remembered
    return out


def _book_out(book: Book) -> BookOut:
    details = book.details
    return BookOut(
        id=book.id,
        title=details.title,
        author=details.author,
        genre=details.genre,
        price=str(details.price),
        stock=details.stock,
        isbn=details.isbn.value if details.isbn else None,
        description=details.description,
        published_year=details.published_year,
        created_at=timestamp(book.created_at),
        updated_at=timestamp(book.updated_at),
        low_stock_threshold=book.low_stock_threshold,
        rating=_rating_out(book.rating),
    )


_NOT_RATED = RatingOut(average=None, count=0)


def _rating_out(rating: Rating) -> RatingOut:
    if rating.count == 0:
        return _NOT_RATED
    return RatingOut(average=str(rating.average), count=rating.count)


def faceted_book_page(faceted: FacetedPage) -> BookPage:
    page = book_page(faceted.page)
    page.facets = FacetsOut(genre=[FacetOut(value=f.value, count=f.count) for f in faceted.genres])
    return page


def book_list(books: list[Book]) -> BookList:
    return BookList(items=[book_out(book) for book in books])


def book_page(page: Page[Book]) -> BookPage:
    return BookPage.of(page, book_out)


def provide_book_query(
    page: PageNumber = 1,
    page_size: PageSize = 20,
    q: Annotated[
        str | None,
        QueryParameter(
            min_length=1,
            max_length=MAX_SEARCH_TEXT,
            description="Words that must all match title, author or genre.",
        ),
    ] = None,
    title: FilterText = None,
    author: FilterText = None,
    genre: FilterText = None,
    min_price: PriceFilter = None,
    max_price: PriceFilter = None,
    in_stock: Annotated[bool, QueryParameter(description="Only books in stock.")] = False,
    sort: Annotated[BookSort | None, QueryParameter()] = None,
    min_rating: Annotated[
        int | None,
        QueryParameter(ge=1, le=5, description="Only books rated at least this on average."),
    ] = None,
) -> BookQuery:
    return BookQuery(
        text=q,
        title=title,
        author=author,
        genre=genre,
        min_price=Money.parse(min_price, "min_price") if min_price else None,
        max_price=Money.parse(max_price, "max_price") if max_price else None,
        in_stock=in_stock,
        sort=sort,
        page=PageRequest(page, page_size),
        min_rating=min_rating,
    )
