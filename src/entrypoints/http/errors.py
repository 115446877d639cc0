"""The one table turning exceptions into problem details, registered once on the app.

No handler catches errors itself: a domain error, a refused request, an unavailable database
or a bug all end here, and leave as `application/problem+json` in the same shape. Bodies never
carry a stack trace; a 500 is logged with its traceback instead.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap
from redis.exceptions import RedisError

from bookstore.application.ports import StorageUnavailable
from bookstore.domain.errors import (
    AuthenticationFailed,
    Conflict,
    CouponNotApplicable,
    CouponStoppedApplying,
    DomainError,
    Forbidden,
    IdempotencyInFlight,
    IdempotencyKeyMismatch,
    InsufficientStock,
    InvalidInput,
    InvalidTransition,
    NotFound,
    QuoteChanged,
)
from bookstore.domain.payment import PaymentDeclined
from bookstore.entrypoints.http.problems import (
    KINDS,
    PROBLEM_MEDIA_TYPE,
    Problem,
    ProblemKind,
    ShortageProblem,
    kind_for_status,
)
from bookstore.entrypoints.http.validation import field_problem, validation_errors

logger = logging.getLogger("bookstore.http")

REQUEST_ID_STATE_KEY = "bookstore.request_id"
BEARER_CHALLENGE = {"WWW-Authenticate": "Bearer"}

DOMAIN_STATUSES: Mapping[type[DomainError], int] = {
    InvalidInput: 400,
    AuthenticationFailed: 401,
    Forbidden: 403,
    NotFound: 404,
    IdempotencyInFlight: 409,
    Conflict: 409,
    IdempotencyKeyMismatch: 422,
    CouponStoppedApplying: 409,
    CouponNotApplicable: 422,
    PaymentDeclined: 402,
    DomainError: 400,
}
"""Each domain error's status; its `code` names the problem type. Looked up along the MRO."""

_HTTP_DETAILS: Mapping[int, str] = {
    401: "A valid bearer token is required.",
    403: "You are not allowed to do this.",
    404: "Nothing exists at this address.",
    405: "This address does not accept this method.",
    413: "The request body is larger than the server accepts.",
    429: "Too many requests; retry later.",
}


def problem_response(
    problem: Problem, headers: Mapping[str, str] | None = None
) -> Response[Problem]:
    if problem.status == 401:
        headers = {**(headers or {}), **BEARER_CHALLENGE}
    return Response(
        problem, status_code=problem.status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def domain_problem(_: Request[Any, Any, Any], exc: DomainError) -> Response[Problem]:
    status = next(DOMAIN_STATUSES[cls] for cls in type(exc).__mro__ if cls in DOMAIN_STATUSES)
    kind = KINDS.get(exc.code) or ProblemKind(exc.code, status, kind_for_status(status).title)
    if kind.status != status:  # one kind of problem, answered with another status here
        kind = ProblemKind(kind.slug, status, kind.title)
    if isinstance(exc, InvalidInput):
        errors = [field_problem(e.field, e.message) for e in exc.errors]
        return problem_response(kind.problem(exc.detail, errors=errors))
    if isinstance(exc, InsufficientStock):
        items = msgspec.convert(exc.shortages, list[ShortageProblem], from_attributes=True)
        return problem_response(kind.problem(exc.detail, items=items))
    if isinstance(exc, PaymentDeclined):
        return problem_response(kind.problem(exc.detail, decline_code=exc.decline_code))
    if isinstance(exc, CouponNotApplicable):
        return problem_response(kind.problem(exc.detail, code=exc.coupon_code, reason=exc.reason))
    if isinstance(exc, QuoteChanged):
        problem = kind.problem(exc.detail, expected_total=exc.expected_total, total=exc.total)
        return problem_response(problem)
    if isinstance(exc, InvalidTransition):
        return problem_response(kind.problem(exc.detail, from_=exc.from_status, to=exc.to_status))
    return problem_response(kind.problem(exc.detail))


def validation_problem(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[Problem]:
    errors = validation_errors(request, exc)
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return problem_response(KINDS["validation"].problem(detail, errors=errors))


def http_problem(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    """Litestar's own refusals: unknown route, wrong method, body too large, bad JSON..."""
    if exc.status_code >= 500 and exc.status_code != 503:
        return unexpected_problem(request, exc)
    kind = kind_for_status(exc.status_code)
    detail = _HTTP_DETAILS.get(exc.status_code) or exc.detail
    if kind.slug == "validation":
        return problem_response(kind.problem(detail, errors=[field_problem("body", detail)]))
    if exc.status_code == 429:
        return rate_limited_problem(exc)
    if exc.status_code == 503:
        return unavailable_response(detail, exc.headers)
    return problem_response(kind.problem(detail), headers=exc.headers)


def rate_limited_problem(exc: HTTPException) -> Response[Problem]:
    """A 429 keeps the limiter's `RateLimit-*` headers and says when to retry: Litestar's
    middleware sends `RateLimit-Reset` (seconds) but no `Retry-After`."""
    headers = dict(exc.headers or {})
    reset = headers.get("RateLimit-Reset", "")
    headers.setdefault("Retry-After", reset if reset.isdigit() and int(reset) > 0 else "1")
    generic = HTTPStatus.TOO_MANY_REQUESTS.phrase
    detail = exc.detail if exc.detail and exc.detail != generic else _HTTP_DETAILS[429]
    return problem_response(KINDS["rate-limited"].problem(detail), headers=headers)


def bad_body_problem(_: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    """Input that broke a decoder past our own checks (deep nesting, invalid UTF-8)."""
    detail = "The request body could not be read."
    return problem_response(
        KINDS["validation"].problem(detail, errors=[field_problem("body", detail)])
    )


RETRY_UNAVAILABLE_AFTER_SECONDS = 1
"""What every 503 tells clients: a database or a limits store that stopped answering (a
restart, a fail-over) is usually back within seconds, and a 503 is answered at once, so an
early retry costs little."""


def unavailable_response(
    detail: str, headers: Mapping[str, str] | None = None
) -> Response[Problem]:
    """The one shape of a 503: a problem that says when to try again."""
    retry = {"Retry-After": str(RETRY_UNAVAILABLE_AFTER_SECONDS), **(headers or {})}
    return problem_response(KINDS["service-unavailable"].problem(detail), retry)


def unavailable_problem(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    """The storage failed (`StorageUnavailable`: the adapters say which failures are
    the storage's own, on every path); logged with the driver's first line."""
    logger.warning("database unavailable: %s", exc, extra=_context(request))
    return unavailable_response("The service cannot reach its database; retry shortly.")


def limits_unavailable_problem(
    request: Request[Any, Any, Any], exc: Exception
) -> Response[Problem]:
    """The shared rate-limit store (Redis) does not answer: the limited routes refuse rather
    than run unlimited; every other route never touches it."""
    logger.warning("rate-limit store unavailable: %s", type(exc).__name__, extra=_context(request))
    return unavailable_response("The service cannot reach its rate-limit store; retry shortly.")


def unexpected_problem(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    context = _context(request)
    logger.error("unhandled %s", type(exc).__name__, exc_info=exc, extra=context)
    detail = f"The server failed to answer; quote request {context['request_id']} if you report it."
    return problem_response(KINDS["internal"].problem(detail))


def _context(request: Request[Any, Any, Any]) -> dict[str, str]:
    state = request.scope.get("state", {})
    return {"request_id": str(state.get(REQUEST_ID_STATE_KEY, "-"))}


EXCEPTION_TABLE: ExceptionHandlersMap = {
    DomainError: domain_problem,
    ValidationException: validation_problem,
    HTTPException: http_problem,
    StorageUnavailable: unavailable_problem,
    RedisError: limits_unavailable_problem,
    RecursionError: bad_body_problem,
    UnicodeDecodeError: bad_body_problem,
    Exception: unexpected_problem,
}
"""Resolved along each exception's MRO, most specific first (Litestar's lookup)."""
