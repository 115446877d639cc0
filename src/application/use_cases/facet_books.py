from __future__ import annotations

from dataclasses import dataclass

from bookstore.application.ports import FacetCount
from bookstore.application.queries import BookQuery
from bookstore.application.use_cases.base import StorageUseCase
from bookstore.domain.book import Book
from bookstore.domain.pagination import Page


@dataclass(frozen=True, slots=True)
class FacetedPage:
    page: Page[Book]
    genres: list[FacetCount]
    """Every genre among all the books the query matches (not only the page's), with how
    many of them have it: most first, ties by genre."""


class SearchBooksWithFacets(StorageUseCase):
    """A catalogue search (see `SearchBooks`) and the genre counts of its whole result, in
    one unit of work."""

    def __call__(self, query: BookQuery) -> FacetedPage:
        with self._uow(read_only=True) as uow:
            return FacetedPage(uow.books.search(query), uow.books.genre_counts(query))
