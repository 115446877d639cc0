"""Paying an order, its payments, and the provider's signed webhook (§12)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter, RawBody

from bookstore.application.use_cases.apply_payment_event import WebhookDelivery
from bookstore.application.use_cases.list_payments import ListPaymentsCommand
from bookstore.application.use_cases.pay_order import PaymentAttempt, PayOrderCommand
from bookstore.domain.payment import PaymentStatus
from bookstore.entrypoints.http.controllers.orders import OrderId
from bookstore.entrypoints.http.dependencies import InjectedActor, InjectedPageRequest, container_of
from bookstore.entrypoints.http.idempotency import (
    IDEMPOTENCY_KEY,
    REPLAYED,
    REPLAYED_HEADER,
    IdempotencyKey,
    fingerprint,
)
from bookstore.entrypoints.http.placement import storage_calls
from bookstore.entrypoints.http.problems import problems
from bookstore.entrypoints.http.requests import StrictJSONBody
from bookstore.entrypoints.http.schemas.common import LOCATION_HEADER
from bookstore.entrypoints.http.schemas.payments import (
    PaymentOut,
    PaymentPage,
    PayRequest,
    WebhookAck,
    payment_out,
    payment_page,
)
from bookstore.entrypoints.http.security import PUBLIC, SignedInController, authenticated

SIGNATURE = "Bookstore-Signature"
_KEYED = "bookstore_keyed_payment"


async def replay_keyed_payment(request: Request[Any, Any, Any]) -> Response[PaymentOut] | None:
    """`before_request`: with an `Idempotency-Key`, answer a retry with the first payment
    (or refuse a changed request) before the body is validated."""
    key = request.headers.get(IDEMPOTENCY_KEY)
    if key is None:
        return None
    digest = fingerprint(await request.body())
    request.state[_KEYED] = (key, digest)
    actor = authenticated(request).actor
    command = PayOrderCommand(actor, request.path_params["order_id"], "", key, digest)
    state = request.app.state
    attempt = await storage_calls(state).read(container_of(state).pay_order().replay, command)
    return None if attempt is None else _answer(attempt)


def _answer(attempt: PaymentAttempt) -> Response[PaymentOut]:
    payment = attempt.payment
    status = 202 if payment.status is PaymentStatus.PROCESSING else 201
    headers = {"Location": f"/api/orders/{payment.order_id}/payments"}
    if attempt.replayed:
        headers[REPLAYED] = "true"
    return Response(payment_out(payment), status_code=status, headers=headers)


class PaymentController(SignedInController):
    path = "/api/orders/{order_id:uuid}/payments"
    tags = ("payments",)

    @post(
        "/",
        operation_id="payOrder",
        sync_to_thread=True,
        before_request=replay_keyed_payment,
        response_headers=[LOCATION_HEADER, REPLAYED_HEADER],
        responses={
            202: ResponseSpec(
                data_container=PaymentOut, description="Accepted: the payment is processing."
            ),
            **problems(400, 401, 402, 404, 409, 413, 415, 422),
        },
    )
    def pay(
        self,
        request: Request[Any, Any, Any],
        order_id: OrderId,
        data: StrictJSONBody[PayRequest],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[PaymentOut]:
        """Pay a `placed` order with a payment method: 201 `succeeded` (the order is now
        `paid`), 202 `processing` (the outcome comes later), or 402 `payment-declined`.

        With an `Idempotency-Key`, a retry answers the first payment and charges nothing."""
        key, digest = request.state.get(_KEYED, (None, ""))
        actor = authenticated(request).actor
        command = PayOrderCommand(actor, order_id, data.payment_method, key, digest)
        return _answer(container_of(request.app.state).pay_order()(command))

    @get(
        "/",
        operation_id="listOrderPayments",
        sync_to_thread=True,
        responses=problems(400, 401, 404),
    )
    def list_payments(
        self,
        state: State,
        order_id: OrderId,
        actor: InjectedActor,
        page_request: InjectedPageRequest,
    ) -> PaymentPage:
        """The order's payments, oldest first (declined ones as `failed`)."""
        command = ListPaymentsCommand(actor, order_id, page_request)
        return payment_page(container_of(state).list_payments()(command))


SignatureHeader = Annotated[
    str | None,
    HeaderParameter(
        name=SIGNATURE, description='`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.'
    ),
]


class PaymentWebhookController(Controller):
    path = "/api/payments/webhook"
    tags = ("payments",)
    opt = PUBLIC

    @post(
        "/",
        operation_id="receivePaymentWebhook",
        status_code=200,
        sync_to_thread=True,
        responses=problems(400, 413),
    )
    def receive(self, state: State, body: RawBody, signature: SignatureHeader = None) -> WebhookAck:
        """A payment provider's event, signed with `Bookstore-Signature`; each event id takes
        effect once (a redelivery answers 200 and changes nothing)."""
        delivery = WebhookDelivery(body, signature)
        container_of(state).receive_payment_webhook()(delivery)
        return WebhookAck()
