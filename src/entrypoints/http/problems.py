"""RFC 9457 problem details: the one error shape of the API, and its OpenAPI description.

Every kind of problem has a stable `type` URI, `/problems/<slug>`, and a fixed `title`; the
`detail` sentence describes the occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from msgspec import UNSET, UnsetType

PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldProblem(msgspec.Struct, kw_only=True):
    field: str
    message: str


class ShortageProblem(msgspec.Struct, kw_only=True):
    book_id: int
    title: str
    requested: int
    available: int


class Problem(msgspec.Struct, kw_only=True):
    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | UnsetType = UNSET
    """Every offending field, on validation problems."""
    items: list[ShortageProblem] | UnsetType = UNSET
    """Every short book, on insufficient-stock problems."""
    from_: str | UnsetType = msgspec.field(default=UNSET, name="from")
    """The status the order is in, on invalid-transition problems."""
    to: str | UnsetType = UNSET
    """The status asked for, on invalid-transition problems."""
    decline_code: str | UnsetType = UNSET
    """Why the card was declined, on payment-declined problems."""
    code: str | UnsetType = UNSET
    """The coupon, on coupon-not-applicable problems."""
    reason: str | UnsetType = UNSET
    """Why the coupon does not apply (§13's reasons), on coupon-not-applicable problems."""
    expected_total: str | UnsetType = UNSET
    """The total the client expected, on quote-changed problems."""
    total: str | UnsetType = UNSET
    """The order's total now, on quote-changed problems."""


@dataclass(frozen=True, slots=True)
class ProblemKind:
    slug: str
    status: int
    title: str

    @property
    def type(self) -> str:
        return f"/problems/{self.slug}"

    def problem(
        self,
        detail: str,
        errors: list[FieldProblem] | UnsetType = UNSET,
        items: list[ShortageProblem] | UnsetType = UNSET,
        from_: str | UnsetType = UNSET,
        to: str | UnsetType = UNSET,
        decline_code: str | UnsetType = UNSET,
        **coupon_fields: str,
    ) -> Problem:
        """`coupon_fields`: `code`, `reason`, `expected_total`, `total` (§13's problems)."""
        return Problem(
            type=self.type,
            title=self.title,
            status=self.status,
            detail=detail,
            errors=errors,
            items=items,
            from_=from_,
            to=to,
            decline_code=decline_code,
            **coupon_fields,
        )


KINDS: dict[str, ProblemKind] = {
    kind.slug: kind
    for kind in (
        ProblemKind("validation", 400, "Invalid request"),
        ProblemKind("unauthorized", 401, "Authentication required"),
        ProblemKind("forbidden", 403, "Forbidden"),
        ProblemKind("not-found", 404, "Not found"),
        ProblemKind("method-not-allowed", 405, "Method not allowed"),
        ProblemKind("conflict", 409, "Conflict with the current state"),
        ProblemKind("email-taken", 409, "Email already registered"),
        ProblemKind("duplicate-isbn", 409, "Duplicate ISBN"),
        ProblemKind("insufficient-stock", 409, "Insufficient stock"),
        ProblemKind("cart-limit", 409, "Cart limit reached"),
        ProblemKind("empty-cart", 409, "Empty cart"),
        ProblemKind("invalid-transition", 409, "Invalid order transition"),
        ProblemKind("self-lockout", 409, "Cannot lock yourself out"),
        ProblemKind("idempotency-in-flight", 409, "Request still in progress"),
        ProblemKind("payment-in-progress", 409, "Payment already in progress"),
        ProblemKind("payment-declined", 402, "Payment declined"),
        ProblemKind("invalid-signature", 400, "Invalid signature"),
        ProblemKind("payload-too-large", 413, "Payload too large"),
        ProblemKind("unsupported-media-type", 415, "Unsupported media type"),
        ProblemKind("idempotency-mismatch", 422, "Idempotency key reused"),
        ProblemKind("duplicate-coupon", 409, "Duplicate coupon"),
        ProblemKind("coupon-not-applicable", 422, "Coupon not applicable"),
        ProblemKind("quote-changed", 409, "Quote changed"),
        ProblemKind("rate-limited", 429, "Too many requests"),
        ProblemKind("not-a-purchaser", 403, "Only purchasers may review"),
        ProblemKind("already-reviewed", 409, "Already reviewed"),
        ProblemKind("internal", 500, "Internal server error"),
        ProblemKind("service-unavailable", 503, "Service unavailable"),
    )
}

_BY_STATUS: dict[int, ProblemKind] = {}
for _kind in KINDS.values():
    _BY_STATUS.setdefault(_kind.status, _kind)


def kind_for_status(status: int) -> ProblemKind:
    """The generic kind of a status; statuses without one get an `http-<status>` kind."""
    known = _BY_STATUS.get(status)
    if known is not None:
        return known
    return ProblemKind(f"http-{status}", status, HTTPStatus(status).phrase)


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """The `responses=` of a handler: each status documented as a problem+json `Problem`."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_MEDIA_TYPE,
            description=kind_for_status(status).title,
            generate_examples=False,
        )
        for status in statuses
    }
