"""The catalogue: anyone browses it (unless a setting says otherwise), admins edit it."""

from __future__ import annotations

from types import MappingProxyType
from typing import Annotated

from litestar import Controller, Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import PathParameter, SkipValidation

from bookstore.application.queries import BookQuery
from bookstore.application.use_cases.add_book import AddBook, AddBookCommand
from bookstore.application.use_cases.remove_book import RemoveBook, RemoveBookCommand
from bookstore.application.use_cases.update_book import UpdateBook, UpdateBookCommand
from bookstore.domain.user import Actor
from bookstore.entrypoints.http.dependencies import container_of, use_case
from bookstore.entrypoints.http.placement import run_read
from bookstore.entrypoints.http.problems import problems
from bookstore.entrypoints.http.requests import StrictJSONBody
from bookstore.entrypoints.http.schemas.books import (
    BookCreate,
    BookOut,
    BookPage,
    BookPatch,
    book_changes,
    book_details,
    book_out,
    book_page,
    provide_book_query,
)
from bookstore.entrypoints.http.schemas.common import LOCATION_HEADER, MAX_INT_ID, created
from bookstore.entrypoints.http.security import BEARER, CATALOGUE_READ, requires_admin

BookId = Annotated[int, PathParameter(ge=1, le=MAX_INT_ID, description="The book's id.")]


class BookController(Controller):
    path = "/api/books"
    tags = ("books",)
    dependencies = MappingProxyType(
        {
            "add_book": use_case(lambda c: c.add_book),
            "update_book": use_case(lambda c: c.update_book),
            "remove_book": use_case(lambda c: c.remove_book),
            "book_query": Provide(provide_book_query, sync_to_thread=False),
        }
    )

    # The two hot reads take their use case from the container themselves: a `Provide`
    # costs a signature model and a resolution per request, 60-120 us of a 0.4-0.5 ms get
    # (bench/asgi_cost.py). Container overrides still apply.

    # Whether the catalogue needs a token is the authentication middleware's to say (route
    # option `CATALOGUE_READ`): a guard would cost a copy of the route handler per request.
    @get("/", opt=CATALOGUE_READ, responses=problems(400))
    async def search(
        self, state: State, book_query: NamedDependency[SkipValidation[BookQuery]]
    ) -> BookPage:
        """Browse and search the catalogue; every filter is optional and they combine."""
        search_books = container_of(state).search_books()
        return book_page(await run_read(state, search_books, book_query))

    @get("/{book_id:int}", opt=CATALOGUE_READ, responses=problems(400, 404))
    async def one(self, state: State, book_id: BookId) -> BookOut:
        """One book of the catalogue."""
        return book_out(await run_read(state, container_of(state).get_book(), book_id))

    @post(
        "/",
        guards=[requires_admin],
        security=BEARER,
        sync_to_thread=True,
        response_headers=[LOCATION_HEADER],
        responses=problems(400, 401, 403, 409, 413, 415),
    )
    def create(
        self,
        data: StrictJSONBody[BookCreate],
        actor: NamedDependency[SkipValidation[Actor]],
        add_book: NamedDependency[SkipValidation[AddBook]],
    ) -> Response[BookOut]:
        """Add a book to the catalogue; an ISBN is unique in it."""
        book = add_book(AddBookCommand(actor, book_details(data), data.low_stock_threshold))
        return created(book_out(book), f"{self.path}/{book.id}")

    @patch(
        "/{book_id:int}",
        guards=[requires_admin],
        security=BEARER,
        sync_to_thread=True,
        responses=problems(400, 401, 403, 404, 409, 413, 415),
    )
    def update(
        self,
        book_id: BookId,
        data: StrictJSONBody[BookPatch],
        actor: NamedDependency[SkipValidation[Actor]],
        update_book: NamedDependency[SkipValidation[UpdateBook]],
    ) -> BookOut:
        """Change the fields given; the others keep their value."""
        return book_out(update_book(UpdateBookCommand(actor, book_id, book_changes(data))))

    @delete(
        "/{book_id:int}",
        guards=[requires_admin],
        security=BEARER,
        sync_to_thread=True,
        responses=problems(400, 401, 403, 404),
    )
    def remove(
        self,
        book_id: BookId,
        actor: NamedDependency[SkipValidation[Actor]],
        remove_book: NamedDependency[SkipValidation[RemoveBook]],
    ) -> None:
        """Take a book out of the catalogue and every cart; past orders keep it."""
        remove_book(RemoveBookCommand(actor, book_id))
