"""Pages of results: a validated request and the page that answers it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from bookstore.domain.errors import FieldError, InvalidInput

T = TypeVar("T")
U = TypeVar("U")

MAX_PAGE_SIZE = 100
MAX_PAGE = 1_000_000


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int = 1
    page_size: int = 20

    def __post_init__(self) -> None:
        errors = []
        if not _is_int(self.page) or not 1 <= self.page <= MAX_PAGE:
            errors.append(FieldError("page", f"must be between 1 and {MAX_PAGE}"))
        if not _is_int(self.page_size) or not 1 <= self.page_size <= MAX_PAGE_SIZE:
            errors.append(FieldError("page_size", f"must be between 1 and {MAX_PAGE_SIZE}"))
        if errors:
            raise InvalidInput(errors)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    page: int
    page_size: int
    total: int

    @classmethod
    def of(cls, items: Sequence[T], request: PageRequest, total: int) -> Page[T]:
        return cls(items, request.page, request.page_size, total)

    @classmethod
    def window(cls, items: Sequence[T], request: PageRequest) -> Page[T]:
        """The page `request` asks for, cut from all the items (a store in memory)."""
        end = request.offset + request.page_size
        return cls(items[request.offset : end], request.page, request.page_size, len(items))

    def map(self, convert: Callable[[T], U]) -> Page[U]:
        return Page([convert(item) for item in self.items], self.page, self.page_size, self.total)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
