"""`create_app(container)`: the Litestar HTTP adapter over the use cases."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware

from bookstore.entrypoints.container import Container, release_connections
from bookstore.entrypoints.http.controllers.admin_orders import AdminOrderController
from bookstore.entrypoints.http.controllers.auth import AuthController
from bookstore.entrypoints.http.controllers.books import BookController
from bookstore.entrypoints.http.controllers.cart import CartController
from bookstore.entrypoints.http.controllers.catalogue import AdminCatalogueController
from bookstore.entrypoints.http.controllers.coupons import AdminCouponController
from bookstore.entrypoints.http.controllers.health import HealthController
from bookstore.entrypoints.http.controllers.inventory import AdminInventoryController
from bookstore.entrypoints.http.controllers.orders import OrderController
from bookstore.entrypoints.http.controllers.payments import (
    PaymentController,
    PaymentWebhookController,
)
from bookstore.entrypoints.http.controllers.reviews import (
    AdminReviewController,
    ReviewController,
    SuggestionController,
)
from bookstore.entrypoints.http.controllers.users import AdminUserController, UserController
from bookstore.entrypoints.http.controllers.webhooks import (
    AdminWebhookController,
    WaitlistController,
)
from bookstore.entrypoints.http.dependencies import (
    CONTAINER_STATE_KEY,
    PASSWORD_THREADS_STATE_KEY,
    SETTINGS_STATE_KEY,
    provide_currency,
    provide_password_threads,
)
from bookstore.entrypoints.http.errors import EXCEPTION_TABLE
from bookstore.entrypoints.http.failed_logins import FAILED_LOGINS_STATE_KEY, FailedLogins
from bookstore.entrypoints.http.limits import (
    behind_trusted_proxies,
    limit_stores,
    purging_expired_counters,
)
from bookstore.entrypoints.http.logs import flush_batched_logs
from bookstore.entrypoints.http.metrics import metrics_parts
from bookstore.entrypoints.http.observability import RequestContext
from bookstore.entrypoints.http.openapi import docs_assets_router, openapi_config
from bookstore.entrypoints.http.placement import storage_threads
from bookstore.entrypoints.http.problems import problems
from bookstore.entrypoints.http.requests import ApiRequest
from bookstore.entrypoints.http.schemas.common import provide_page_request
from bookstore.entrypoints.http.security import (
    BEARER,
    BearerAuthMiddleware,
    provide_actor,
    provide_session,
)
from bookstore.entrypoints.http.threads import PasswordThreads
from bookstore.entrypoints.settings import Settings

CONTROLLERS = (
    AuthController,
    UserController,
    BookController,
    CartController,
    OrderController,
    PaymentController,
    PaymentWebhookController,
    AdminOrderController,
    AdminUserController,
    AdminInventoryController,
    AdminCatalogueController,
    AdminCouponController,
    AdminWebhookController,
    WaitlistController,
    HealthController,
    # §15
    ReviewController,
    AdminReviewController,
    SuggestionController,
)


_STDERR_HANDLER = {
    "()": "bookstore.entrypoints.http.logs.BatchedStreamHandler",
    "formatter": "standard",
}


def create_app(container: Container) -> Litestar:
    settings = container.settings().check()  # no app without a usable JWT secret
    password_threads = PasswordThreads()
    state: dict[str, object] = {
        CONTAINER_STATE_KEY: container,
        SETTINGS_STATE_KEY: settings,
        PASSWORD_THREADS_STATE_KEY: password_threads,
    }
    if settings.rate_limits_on:
        state[FAILED_LOGINS_STATE_KEY] = FailedLogins.from_settings(settings)
    metrics = metrics_parts(settings)  # GET /metrics, when switched on
    app = Litestar(
        route_handlers=[*CONTROLLERS, docs_assets_router(), *metrics.handlers],
        state=State(state),
        stores=limit_stores(settings) if settings.rate_limits_on else None,
        lifespan=[purging_expired_counters] if settings.rate_limits_on else None,
        dependencies={
            "actor": Provide(provide_actor, sync_to_thread=False),
            "session": Provide(provide_session, sync_to_thread=False),
            "page_request": Provide(provide_page_request, sync_to_thread=False),
            "currency": Provide(provide_currency, sync_to_thread=False),
            "password_threads": Provide(provide_password_threads, sync_to_thread=False),
        },
        on_startup=[storage_threads],
        on_shutdown=[
            password_threads.shutdown,
            lambda: release_connections(container),
            flush_batched_logs,
        ],
        middleware=[*metrics.middleware, DefineMiddleware(BearerAuthMiddleware)],
        exception_handlers=EXCEPTION_TABLE,
        request_class=ApiRequest,
        request_max_body_size=settings.max_body_bytes,
        cors_config=_cors(settings),
        openapi_config=openapi_config(_version()),
        logging_config=LoggingConfig(
            # Litestar's default "queue_listener" handler starts a listener thread for every
            # app it builds; a test suite builds hundreds, and one such start once hung. Our
            # stream handler under that name writes lines in batches (one flusher thread per
            # process, not per app).
            formatters={
                "standard": {
                    "()": "bookstore.entrypoints.http.logs.Formatter",
                    "fmt": "%(levelname)s - %(asctime)s - %(name)s - %(message)s",
                }
            },
            handlers={"queue_listener": _STDERR_HANDLER, "console": _STDERR_HANDLER},
            log_exceptions="never",
            loggers={"bookstore": {"level": settings.log_level, "propagate": True}},
        ),
        debug=False,
    )
    if settings.catalog_requires_auth:
        _document_protected_catalog(app)
    app.asgi_handler = RequestContext(behind_trusted_proxies(app.asgi_handler, settings))
    return app


def _document_protected_catalog(app: Litestar) -> None:
    """The catalogue's reads are public by default; when a setting makes them need a token
    (the authentication middleware then refuses strangers), the OpenAPI document says so."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if handler.opt.get("catalogue_read"):
                handler.security = BEARER
                handler.responses = {**(handler.responses or {}), **problems(401)}


def _cors(settings: Settings) -> CORSConfig | None:
    """Cross-origin browsers are refused unless their origins are listed in the settings."""
    origins = settings.cors_origin_list
    if not origins:
        return None
    return CORSConfig(
        allow_origins=origins,
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
        expose_headers=[
            "Location", "Retry-After", "Idempotent-Replayed", "X-Request-ID",
            "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy",
        ],
    )  # fmt: skip


def _version() -> str:
    try:
        return version("imagine-bookstore")
    except PackageNotFoundError:
        return "0.0.0"
