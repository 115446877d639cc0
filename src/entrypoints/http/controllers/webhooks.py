"""Admins' webhook endpoints and their deliveries (§14), and the customers' waiting lists."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.params import PathParameter

from bookstore.application.use_cases.waitlist import MyWaitlistCommand, WaitlistCommand
from bookstore.application.use_cases.webhook_deliveries import (
    ListDeliveriesCommand,
    RetryDeliveryCommand,
)
from bookstore.application.use_cases.webhook_endpoints import (
    CreateWebhookCommand,
    ListWebhooksCommand,
    UpdateWebhookCommand,
    WebhookCommand,
)
from bookstore.entrypoints.http.controllers.books import BookId
from bookstore.entrypoints.http.dependencies import InjectedActor, InjectedPageRequest, container_of
from bookstore.entrypoints.http.openapi import OptionalBodyOperation
from bookstore.entrypoints.http.problems import problems
from bookstore.entrypoints.http.requests import StrictJSONBody
from bookstore.entrypoints.http.schemas.books import BookOut, BookPage, book_out, book_page
from bookstore.entrypoints.http.schemas.common import LOCATION_HEADER, MAX_INT_ID, created
from bookstore.entrypoints.http.schemas.webhooks import (
    EMPTY_REQUEST,
    CreatedWebhookOut,
    DeliveryOut,
    DeliveryPage,
    EmptyRequest,
    WebhookCreate,
    WebhookOut,
    WebhookPage,
    WebhookPatch,
    created_webhook_out,
    delivery_out,
    delivery_page,
    webhook_out,
    webhook_page,
)
from bookstore.entrypoints.http.security import AdminController, SignedInController

EndpointId = Annotated[UUID, PathParameter(description="The webhook endpoint's id.")]
DeliveryId = Annotated[int, PathParameter(ge=1, le=MAX_INT_ID, description="The delivery's id.")]


class AdminWebhookController(AdminController):
    path = "/api/admin/webhooks"

    @post(
        "/",
        operation_id="createWebhook",
        sync_to_thread=True,
        response_headers=[LOCATION_HEADER],
        responses=problems(400, 401, 403, 413, 415),
    )
    def create(
        self, state: State, data: StrictJSONBody[WebhookCreate], actor: InjectedActor
    ) -> Response[CreatedWebhookOut]:
        """Register an endpoint for the events it names. The answer holds its `secret`, which
        signs every delivery; it is never shown again."""
        command = CreateWebhookCommand(actor, data.url, list(data.events), data.description)
        endpoint = container_of(state).create_webhook()(command)
        return created(created_webhook_out(endpoint), f"{self.path}/{endpoint.id}")

    @get("/", operation_id="listWebhooks", sync_to_thread=True, responses=problems(400, 401, 403))
    def list_all(
        self, state: State, actor: InjectedActor, page_request: InjectedPageRequest
    ) -> WebhookPage:
        """Every endpoint, oldest first (without secrets)."""
        command = ListWebhooksCommand(actor, page_request)
        return webhook_page(container_of(state).get_webhooks()(command))

    @get(
        "/{endpoint_id:uuid}",
        operation_id="getWebhook",
        sync_to_thread=True,
        responses=problems(400, 401, 403, 404),
    )
    def one(self, state: State, endpoint_id: EndpointId, actor: InjectedActor) -> WebhookOut:
        """One endpoint (without its secret)."""
        command = WebhookCommand(actor, endpoint_id)
        return webhook_out(container_of(state).get_webhooks().one(command))

    @patch(
        "/{endpoint_id:uuid}",
        operation_id="updateWebhook",
        sync_to_thread=True,
        responses=problems(400, 401, 403, 404, 413, 415),
    )
    def update(
        self,
        state: State,
        endpoint_id: EndpointId,
        data: StrictJSONBody[WebhookPatch],
        actor: InjectedActor,
    ) -> WebhookOut:
        """Change the URL, event types, description or `active`; the rest stays."""
        events = None if data.events is None else list(data.events)
        command = UpdateWebhookCommand(
            actor, endpoint_id, data.url, events, data.description, data.active
        )
        return webhook_out(container_of(state).update_webhook()(command))

    @delete(
        "/{endpoint_id:uuid}",
        operation_id="deleteWebhook",
        sync_to_thread=True,
        responses=problems(400, 401, 403, 404),
    )
    def remove(self, state: State, endpoint_id: EndpointId, actor: InjectedActor) -> None:
        """Delete the endpoint and its deliveries: nothing more is sent to it."""
        container_of(state).remove_webhook()(WebhookCommand(actor, endpoint_id))

    @get(
        "/{endpoint_id:uuid}/deliveries",
        operation_id="listWebhookDeliveries",
        sync_to_thread=True,
        responses=problems(400, 401, 403, 404),
    )
    def deliveries(
        self,
        state: State,
        endpoint_id: EndpointId,
        actor: InjectedActor,
        page_request: InjectedPageRequest,
    ) -> DeliveryPage:
        """What was sent to the endpoint, newest first, and how each delivery's attempts
        went."""
        command = ListDeliveriesCommand(actor, endpoint_id, page_request)
        return delivery_page(container_of(state).list_deliveries()(command))

    @post(
        "/deliveries/{delivery_id:int}/retry",
        operation_id="retryWebhookDelivery",
        operation_class=OptionalBodyOperation,
        status_code=202,
        sync_to_thread=True,
        responses=problems(400, 401, 403, 404, 409),
    )
    def retry(
        self,
        state: State,
        delivery_id: DeliveryId,
        actor: InjectedActor,
        data: StrictJSONBody[EmptyRequest] = EMPTY_REQUEST,
    ) -> DeliveryOut:
        """Try a pending, failed or dead delivery again at once (the worker sends it on its
        next round); a succeeded one is a 409."""
        command = RetryDeliveryCommand(actor, delivery_id)
        return delivery_out(container_of(state).retry_delivery()(command))


class WaitlistController(SignedInController):
    path = "/api"
    tags = ("waitlist",)

    @post(
        "/books/{book_id:int}/waitlist",
        operation_id="joinWaitlist",
        operation_class=OptionalBodyOperation,
        sync_to_thread=True,
        responses=problems(400, 401, 404, 409),
    )
    def join(
        self,
        state: State,
        book_id: BookId,
        actor: InjectedActor,
        data: StrictJSONBody[EmptyRequest] = EMPTY_REQUEST,
    ) -> Response[BookOut]:
        """Wait for a sold-out book: 201 (200 if already waiting). When copies come back,
        the waiting customers are e-mailed in the order they joined, and leave the list. A
        book in stock is a 409 `in-stock`."""
        use_cases = container_of(state)
        joined = use_cases.join_waitlist()(WaitlistCommand(actor, book_id))
        book = book_out(use_cases.get_book()(book_id))
        return Response(book, status_code=201 if joined else 200)

    @delete(
        "/books/{book_id:int}/waitlist",
        operation_id="leaveWaitlist",
        sync_to_thread=True,
        responses=problems(400, 401, 404),
    )
    def leave(self, state: State, book_id: BookId, actor: InjectedActor) -> None:
        """Stop waiting for the book."""
        container_of(state).leave_waitlist()(WaitlistCommand(actor, book_id))

    @get(
        "/users/me/waitlist",
        operation_id="listMyWaitlist",
        sync_to_thread=True,
        responses=problems(400, 401),
    )
    def mine(
        self, state: State, actor: InjectedActor, page_request: InjectedPageRequest
    ) -> BookPage:
        """The books the caller waits for, in the order they joined."""
        command = MyWaitlistCommand(actor, page_request)
        return book_page(container_of(state).list_my_waitlist()(command))
