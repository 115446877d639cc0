"""Reviews (§15): anyone reads a book's reviews, purchasers write theirs, admins remove any;
and the books readers bought together."""

from __future__ import annotations

from types import MappingProxyType
from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, delete, get, post, put
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import PathParameter, QueryParameter

from bookstore.application.queries import ReviewQuery, ReviewSort
from bookstore.application.use_cases.delete_review import DeleteMyReviewCommand, RemoveReviewCommand
from bookstore.application.use_cases.edit_review import EditMyReviewCommand
from bookstore.application.use_cases.recommend_books import (
    MAX_SUGGESTIONS,
    AlsoBoughtQuery,
    RecommendBooksCommand,
)
from bookstore.application.use_cases.review_book import ReviewBookCommand
from bookstore.domain.pagination import PageRequest
from bookstore.entrypoints.http.controllers.books import BookId
from bookstore.entrypoints.http.dependencies import Injected, InjectedActor, container_of
from bookstore.entrypoints.http.placement import storage_calls
from bookstore.entrypoints.http.problems import problems
from bookstore.entrypoints.http.requests import StrictJSONBody
from bookstore.entrypoints.http.schemas.books import BookList, book_list
from bookstore.entrypoints.http.schemas.common import PageNumber, PageSize, created
from bookstore.entrypoints.http.schemas.reviews import (
    ReviewOut,
    ReviewPage,
    ReviewWrite,
    review_out,
    review_page,
    review_text,
)
from bookstore.entrypoints.http.security import (
    BEARER,
    CATALOGUE_READ,
    REQUIRES_USER,
    AdminController,
)

Limit = Annotated[
    int, QueryParameter(ge=1, le=MAX_SUGGESTIONS, description="How many books, at most.")
]


def provide_review_query(
    book_id: BookId,
    page: PageNumber = 1,
    page_size: PageSize = 20,
    sort: Annotated[ReviewSort, QueryParameter()] = ReviewSort.NEWEST,
) -> ReviewQuery:
    return ReviewQuery(book_id, sort, PageRequest(page, page_size))


class ReviewController(Controller):
    path = "/api/books/{book_id:int}/reviews"
    tags = ("reviews",)
    dependencies = MappingProxyType(
        {"review_query": Provide(provide_review_query, sync_to_thread=False)}
    )

    @get("/", operation_id="listReviews", opt=CATALOGUE_READ, responses=problems(400, 404))
    async def list(self, state: State, review_query: Injected[ReviewQuery]) -> ReviewPage:
        """A book's reviews, newest first unless sorted by rating."""
        list_reviews = container_of(state).list_reviews()
        return review_page(await storage_calls(state).read(list_reviews, review_query))

    @post(
        "/",
        operation_id="reviewBook",
        opt=REQUIRES_USER,
        security=BEARER,
        responses=problems(400, 401, 403, 404, 409, 413, 415),
    )
    async def create(
        self, state: State, book_id: BookId, data: StrictJSONBody[ReviewWrite], actor: InjectedActor
    ) -> Response[ReviewOut]:
        """Review a book you bought (a paid, shipped or delivered order); once per book."""
        command = ReviewBookCommand(actor, book_id, review_text(data))
        review = await storage_calls(state).write(container_of(state).review_book(), command)
        return created(review_out(review), f"/api/books/{book_id}/reviews/mine")

    @put(
        "/mine",
        operation_id="replaceMyReview",
        opt=REQUIRES_USER,
        security=BEARER,
        responses=problems(400, 401, 404, 413, 415),
    )
    async def replace(
        self, state: State, book_id: BookId, data: StrictJSONBody[ReviewWrite], actor: InjectedActor
    ) -> ReviewOut:
        """Replace your review of the book: its rating, title and body."""
        command = EditMyReviewCommand(actor, book_id, review_text(data))
        edit = container_of(state).edit_my_review()
        return review_out(await storage_calls(state).write(edit, command))

    @delete(
        "/mine",
        operation_id="deleteMyReview",
        opt=REQUIRES_USER,
        security=BEARER,
        responses=problems(400, 401, 404),
    )
    async def delete_mine(self, state: State, book_id: BookId, actor: InjectedActor) -> None:
        """Delete your review of the book."""
        command = DeleteMyReviewCommand(actor, book_id)
        await storage_calls(state).write(container_of(state).delete_my_review(), command)


class AdminReviewController(AdminController):
    path = "/api/admin/reviews"

    @delete(
        "/{review_id:uuid}", operation_id="removeReview", responses=problems(400, 401, 403, 404)
    )
    async def remove(
        self,
        state: State,
        review_id: Annotated[UUID, PathParameter(description="The review's id.")],
        actor: InjectedActor,
    ) -> None:
        """Remove any review; its rating leaves the book's."""
        command = RemoveReviewCommand(actor, review_id)
        await storage_calls(state).write(container_of(state).remove_review(), command)


class SuggestionController(Controller):
    path = "/api"
    tags = ("recommendations",)

    @get(
        "/books/{book_id:int}/also-bought",
        operation_id="listAlsoBought",
        opt=CATALOGUE_READ,
        responses=problems(400, 404),
    )
    async def also_bought(self, state: State, book_id: BookId, limit: Limit = 10) -> BookList:
        """The books most often in the same orders as this one (orders not cancelled)."""
        also_bought = container_of(state).also_bought()
        query = AlsoBoughtQuery(book_id, limit)
        return book_list(await storage_calls(state).read(also_bought, query))

    @get(
        "/users/me/recommendations",
        operation_id="listMyRecommendations",
        opt=REQUIRES_USER,
        security=BEARER,
        responses=problems(400, 401),
    )
    async def recommendations(
        self, state: State, actor: InjectedActor, limit: Limit = 10
    ) -> BookList:
        """Books in stock you have not bought: first those bought with yours, then the
        top-rated."""
        recommend = container_of(state).recommend_books()
        command = RecommendBooksCommand(actor, limit)
        return book_list(await storage_calls(state).read(recommend, command))
