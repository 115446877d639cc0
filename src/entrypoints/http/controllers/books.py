"""The catalogue: anyone browses it (unless a setting says otherwise), admins edit it."""

from __future__ import annotations

from types import MappingProxyType
from typing import Annotated

from litestar import Controller, Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import PathParameter, QueryParameter

from bookstore.application.queries import BookQuery
from bookstore.application.use_cases.add_book import AddBookCommand
from bookstore.application.use_cases.remove_book import RemoveBookCommand
from bookstore.application.use_cases.update_book import UpdateBookCommand
from bookstore.entrypoints.http.dependencies import Injected, InjectedActor, container_of
from bookstore.entrypoints.http.placement import storage_calls
from bookstore.entrypoints.http.problems import problems
from bookstore.entrypoints.http.requests import StrictJSONBody
from bookstore.entrypoints.http.schemas.books import (
    BookCreate,
    BookOut,
    BookPage,
    BookPatch,
    Facet,
    book_changes,
    book_details,
    book_out,
    book_page,
    faceted_book_page,
    provide_book_query,
)
from bookstore.entrypoints.http.schemas.common import LOCATION_HEADER, MAX_INT_ID, created
from bookstore.entrypoints.http.security import BEARER, CATALOGUE_READ, requires_admin

BookId = Annotated[int, PathParameter(ge=1, le=MAX_INT_ID, description="The book's id.")]


class BookController(Controller):
    path = "/api/books"
    tags = ("books",)
    dependencies = MappingProxyType(
        {"book_query": Provide(provide_book_query, sync_to_thread=False)}
    )

    # Whether the catalogue needs a token is the authentication middleware's to say (route
    # option `CATALOGUE_READ`): a guard would cost a copy of the route handler per request.
    @get("/", operation_id="listBooks", opt=CATALOGUE_READ, responses=problems(400))
    async def search(
        self,
        state: State,
        book_query: Injected[BookQuery],
        facets: Annotated[
            Facet | None,
            QueryParameter(description="`genre`: count the genres of every matching book."),
        ] = None,
    ) -> BookPage:
        """Browse and search the catalogue; every filter is optional and they combine."""
        use_cases = container_of(state)
        if facets is None:
            return book_page(await storage_calls(state).read(use_cases.search_books(), book_query))
        search = use_cases.search_books_with_facets()
        return faceted_book_page(await storage_calls(state).read(search, book_query))

    @get("/{book_id:int}", operation_id="getBook", opt=CATALOGUE_READ, responses=problems(400, 404))
    async def one(self, state: State, book_id: BookId) -> BookOut:
        """One book of the catalogue."""
        return book_out(await storage_calls(state).read(container_of(state).get_book(), book_id))

    @post(
        "/",
        operation_id="addBook",
        guards=[requires_admin],
        security=BEARER,
        sync_to_thread=True,
        response_headers=[LOCATION_HEADER],
        responses=problems(400, 401, 403, 409, 413, 415),
    )
    def create(
        self, state: State, data: StrictJSONBody[BookCreate], actor: InjectedActor
    ) -> Response[BookOut]:
        """Add a book to the catalogue; an ISBN is unique in it."""
        command = AddBookCommand(actor, book_details(data), data.low_stock_threshold)
        book = container_of(state).add_book()(command)
        return created(book_out(book), f"{self.path}/{book.id}")

    @patch(
        "/{book_id:int}",
        operation_id="updateBook",
        guards=[requires_admin],
        security=BEARER,
        sync_to_thread=True,
        responses=problems(400, 401, 403, 404, 409, 413, 415),
    )
    def update(
        self, state: State, book_id: BookId, data: StrictJSONBody[BookPatch], actor: InjectedActor
    ) -> BookOut:
        """Change the fields given; the others keep their value."""
        command = UpdateBookCommand(actor, book_id, book_changes(data))
        return book_out(container_of(state).update_book()(command))

    @delete(
        "/{book_id:int}",
        operation_id="removeBook",
        guards=[requires_admin],
        security=BEARER,
        sync_to_thread=True,
        responses=problems(400, 401, 403, 404),
    )
    def remove(self, state: State, book_id: BookId, actor: InjectedActor) -> None:
        """Take a book out of the catalogue and every cart; past orders keep it."""
        container_of(state).remove_book()(RemoveBookCommand(actor, book_id))
