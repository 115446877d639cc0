"""The composition root: builds the whole application from settings.

Library users build one with `create_container()` and call use cases from it:

    store = create_container(Settings(database_url="memory://"))
    user = store.register_user()(RegisterUserCommand("ada@example.com", "correct horse"))
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path

from dependency_injector import containers, providers

from bookstore.adapters.clock import SystemClock
from bookstore.adapters.hashing import BcryptHasher
from bookstore.adapters.ids import RandomIds
from bookstore.adapters.mail import JinjaMailTemplates
from bookstore.adapters.memory import MemoryUnitOfWorkFactory
from bookstore.adapters.payments import MemoryOutcomeSchedule, OutcomeSchedule, SandboxGateway
from bookstore.adapters.prometheus_metrics import PrometheusMetrics
from bookstore.adapters.tokens import JwtTokenService
from bookstore.adapters.webhooks import HttpxWebhookSender, PublicDestinations
from bookstore.application.config import StoreConfig
from bookstore.application.metrics import ScrapedGauge
from bookstore.application.notifications import Mailer
from bookstore.application.outbox import Snapshots
from bookstore.application.payment_gateway import PaymentGateway
from bookstore.application.payment_settlement import Refunds
from bookstore.application.ports import Clock, UnitOfWorkFactory
from bookstore.application.sessions import SessionIssuer
from bookstore.application.use_cases.add_book import AddBook
from bookstore.application.use_cases.add_to_cart import AddToCart
from bookstore.application.use_cases.adjust_stock import AdjustStock
from bookstore.application.use_cases.apply_coupon import ApplyCoupon
from bookstore.application.use_cases.apply_payment_event import (
    ApplyDueOutcomes,
    ApplyPaymentEvent,
    ReceivePaymentWebhook,
)
from bookstore.application.use_cases.authenticate import Authenticate
from bookstore.application.use_cases.browse_coupons import GetCoupon, ListCoupons
from bookstore.application.use_cases.cancel_order import CancelOrder
from bookstore.application.use_cases.change_order_status import ChangeOrderStatus
from bookstore.application.use_cases.clear_cart import ClearCart
from bookstore.application.use_cases.create_admin import CreateAdmin
from bookstore.application.use_cases.create_coupon import CreateCoupon
from bookstore.application.use_cases.delete_review import DeleteMyReview, RemoveReview
from bookstore.application.use_cases.deliver_events import DeliverEvents, DeliveryPolicy
from bookstore.application.use_cases.edit_review import EditMyReview
from bookstore.application.use_cases.expire_unpaid_orders import ExpireUnpaidOrders
from bookstore.application.use_cases.export_books import ExportBooks
from bookstore.application.use_cases.facet_books import SearchBooksWithFacets
from bookstore.application.use_cases.get_book import GetBook
from bookstore.application.use_cases.get_order import GetOrder
from bookstore.application.use_cases.get_profile import GetProfile
from bookstore.application.use_cases.import_books import ImportBooks
from bookstore.application.use_cases.list_low_stock import ListLowStock
from bookstore.application.use_cases.list_movements import ListMovements
from bookstore.application.use_cases.list_orders import ListAllOrders, ListMyOrders
from bookstore.application.use_cases.list_payments import ListPayments
from bookstore.application.use_cases.list_reviews import ListReviews
from bookstore.application.use_cases.list_users import ListUsers
from bookstore.application.use_cases.log_in import LogIn
from bookstore.application.use_cases.log_out import LogOut
from bookstore.application.use_cases.pay_order import PayOrder
from bookstore.application.use_cases.place_order import PlaceOrder
from bookstore.application.use_cases.place_order_once import PlaceOrderOnce
from bookstore.application.use_cases.prune_expired import PruneExpired
from bookstore.application.use_cases.recommend_books import AlsoBought, RecommendBooks
from bookstore.application.use_cases.reconcile_inventory import ReconcileInventory
from bookstore.application.use_cases.refresh_session import RefreshSession
from bookstore.application.use_cases.register_user import RegisterUser
from bookstore.application.use_cases.remove_book import RemoveBook
from bookstore.application.use_cases.remove_coupon import RemoveCoupon
from bookstore.application.use_cases.remove_from_cart import RemoveFromCart
from bookstore.application.use_cases.restock_book import RestockBook
from bookstore.application.use_cases.review_book import ReviewBook
from bookstore.application.use_cases.search_books import SearchBooks
from bookstore.application.use_cases.set_cart_quantity import SetCartQuantity
from bookstore.application.use_cases.update_book import UpdateBook
from bookstore.application.use_cases.update_coupon import DeactivateCoupon, UpdateCoupon
from bookstore.application.use_cases.update_user import UpdateUser
from bookstore.application.use_cases.view_cart import ViewCart
from bookstore.application.use_cases.waitlist import JoinWaitlist, LeaveWaitlist, ListMyWaitlist
from bookstore.application.use_cases.webhook_deliveries import (
    CountPendingEvents,
    ListDeliveries,
    RetryDelivery,
)
from bookstore.application.use_cases.webhook_endpoints import (
    CreateWebhook,
    GetWebhooks,
    RemoveWebhook,
    UpdateWebhook,
)
from bookstore.domain.cart import CartLimits
from bookstore.entrypoints.settings import Settings
from bookstore.entrypoints.snapshots import ApiSnapshots

MEMORY_URL = "memory://"


def open_storage(settings: Settings, snapshots: Snapshots) -> Iterator[UnitOfWorkFactory]:
    """In-memory storage for `memory://`; SQLAlchemy for every other URL, on a pool of at most
    `db_pool_size + db_max_overflow` connections, closed by `shutdown_resources()`. `snapshots`
    say how events show their subjects (the API's responses, in the container)."""
    if settings.database_url == MEMORY_URL:
        yield MemoryUnitOfWorkFactory(snapshots)
        return
    from bookstore.adapters.sql import SqlUnitOfWorkFactory, make_engine

    engine = make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    try:
        yield SqlUnitOfWorkFactory(engine, snapshots)
    finally:
        engine.dispose()


def release_connections(container: Container) -> None:
    """Close the storage's pooled connections (at server shutdown); the storage itself stays
    usable and reconnects on demand, so a container shared by several apps is unharmed."""
    engine = getattr(container.uow(), "engine", None)
    if engine is not None:
        engine.dispose()


def make_store_config(settings: Settings) -> StoreConfig:
    return StoreConfig(
        currency=settings.currency,
        cart_limits=CartLimits(settings.max_line_quantity, settings.max_cart_books),
        access_token_ttl=timedelta(minutes=settings.access_token_minutes),
        refresh_token_ttl=timedelta(days=settings.refresh_token_days),
        low_stock_threshold=settings.low_stock_threshold,
        unpaid_order_ttl=(
            timedelta(minutes=settings.unpaid_order_minutes)
            if settings.unpaid_order_minutes
            else None
        ),
    )


def make_outcome_schedule(storage: UnitOfWorkFactory) -> OutcomeSchedule:
    """The sandbox's delayed outcomes live in the database, where every process sees them."""
    if getattr(storage, "engine", None) is None:
        return MemoryOutcomeSchedule()
    from bookstore.adapters.sql import SqlUnitOfWorkFactory
    from bookstore.adapters.sql.sandbox_outcomes import SqlOutcomeSchedule

    if not isinstance(storage, SqlUnitOfWorkFactory):
        raise TypeError(f"no outcome schedule for {storage!r}")
    return SqlOutcomeSchedule(storage)


def make_payment_gateway(
    settings: Settings, schedule: OutcomeSchedule, clock: Clock
) -> PaymentGateway:
    """The provider the settings choose (the sandbox is the only one built in)."""
    settings.effective_payment_provider  # noqa: B018 - refuses an implicit sandbox in production
    return SandboxGateway(
        schedule,
        clock,
        webhook_secret=settings.effective_webhook_secret,
        async_delay=timedelta(seconds=settings.sandbox_async_seconds),
    )


def make_mailer(settings: Settings) -> Mailer:
    """SMTP when `BOOKSTORE_SMTP_URL` is set, else `.eml` files under `BOOKSTORE_MAIL_DIR`."""
    from bookstore.adapters.mail import MailDirectory, SmtpMailer
    from bookstore.adapters.mail.smtp import SmtpServer

    if settings.smtp_url:
        return SmtpMailer(SmtpServer.parse(settings.smtp_url), settings.mail_from)
    return MailDirectory(Path(settings.mail_dir), settings.mail_from)


def make_delivery_policy(settings: Settings) -> DeliveryPolicy:
    return DeliveryPolicy(
        max_attempts=settings.webhook_max_attempts,
        claim_for=timedelta(seconds=settings.event_claim_seconds),
    )


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(RandomIds)
    hasher = providers.Singleton(BcryptHasher, rounds=settings.provided.bcrypt_rounds)
    tokens = providers.Singleton(
        JwtTokenService, secret=settings.provided.effective_jwt_secret, clock=clock
    )
    store_config = providers.Singleton(make_store_config, settings)
    snapshots = providers.Singleton(ApiSnapshots, settings.provided.currency)
    uow = providers.Resource(open_storage, settings, snapshots)
    # Operators' figures (GET /metrics): counted by the use cases, or read at scrape time.
    metrics = providers.Singleton(PrometheusMetrics)

    session_issuer = providers.Singleton(
        SessionIssuer, tokens=tokens, clock=clock, ids=ids, config=store_config
    )

    # Use cases hold no state of their own: one of each per container, resolved once, so a
    # request pays nothing to get its use case (overriding a provider still swaps it).

    register_user = providers.Singleton(RegisterUser, uow, hasher, clock, ids)
    create_admin = providers.Singleton(CreateAdmin, uow, hasher, clock, ids)
    log_in = providers.Singleton(LogIn, uow, hasher, session_issuer)
    refresh_session = providers.Singleton(RefreshSession, uow, tokens, clock, session_issuer)
    log_out = providers.Singleton(LogOut, uow, tokens, clock)
    authenticate = providers.Singleton(Authenticate, uow, tokens)
    get_profile = providers.Singleton(GetProfile, uow)

    search_books = providers.Singleton(SearchBooks, uow)
    get_book = providers.Singleton(GetBook, uow)
    add_book = providers.Singleton(AddBook, uow, clock, store_config)
    update_book = providers.Singleton(UpdateBook, uow, clock)
    restock_book = providers.Singleton(RestockBook, uow, clock)
    remove_book = providers.Singleton(RemoveBook, uow, clock)
    import_books = providers.Singleton(ImportBooks, uow, clock, store_config)
    export_books = providers.Singleton(ExportBooks, uow)

    view_cart = providers.Singleton(ViewCart, uow, store_config, clock)
    add_to_cart = providers.Singleton(AddToCart, uow, store_config, clock)
    set_cart_quantity = providers.Singleton(SetCartQuantity, uow, store_config, clock)
    remove_from_cart = providers.Singleton(RemoveFromCart, uow, store_config, clock)
    clear_cart = providers.Singleton(ClearCart, uow)

    place_order = providers.Singleton(PlaceOrder, uow, clock, ids, metrics=metrics)
    place_order_once = providers.Singleton(
        PlaceOrderOnce, uow, clock, ids, store_config, metrics=metrics
    )
    list_my_orders = providers.Singleton(ListMyOrders, uow)
    get_order = providers.Singleton(GetOrder, uow)
    list_all_orders = providers.Singleton(ListAllOrders, uow)

    outcome_schedule = providers.Singleton(make_outcome_schedule, uow)
    payment_gateway = providers.Singleton(make_payment_gateway, settings, outcome_schedule, clock)
    refunds = providers.Singleton(Refunds, uow, payment_gateway, clock, metrics=metrics)
    cancel_order = providers.Singleton(CancelOrder, uow, clock, refunds)
    change_order_status = providers.Singleton(ChangeOrderStatus, uow, clock, refunds)
    pay_order = providers.Singleton(
        PayOrder, uow, payment_gateway, clock, ids, store_config, refunds, metrics=metrics
    )
    list_payments = providers.Singleton(ListPayments, uow)
    apply_payment_event = providers.Singleton(
        ApplyPaymentEvent, uow, clock, refunds, metrics=metrics
    )
    receive_payment_webhook = providers.Singleton(
        ReceivePaymentWebhook, payment_gateway, apply_payment_event
    )
    apply_due_outcomes = providers.Singleton(
        ApplyDueOutcomes, payment_gateway, apply_payment_event, clock
    )
    expire_unpaid_orders = providers.Singleton(ExpireUnpaidOrders, uow, clock, store_config)

    adjust_stock = providers.Singleton(AdjustStock, uow, clock)
    list_movements = providers.Singleton(ListMovements, uow)
    reconcile_inventory = providers.Singleton(ReconcileInventory, uow)
    list_low_stock = providers.Singleton(ListLowStock, uow)

    list_users = providers.Singleton(ListUsers, uow)
    update_user = providers.Singleton(UpdateUser, uow)

    prune_expired = providers.Singleton(PruneExpired, uow, clock, store_config)
    """Housekeeping: `bookstore db prune`, and the worker's hourly job."""

    # Events, e-mail and webhooks (§14)
    mail_templates = providers.Singleton(JinjaMailTemplates)
    mailer = providers.Singleton(make_mailer, settings)
    webhook_destinations = providers.Singleton(
        PublicDestinations, allow_private=settings.provided.webhooks_may_call_private
    )
    webhook_sender = providers.Resource(
        closing, providers.Factory(HttpxWebhookSender, webhook_destinations)
    )
    delivery_policy = providers.Singleton(make_delivery_policy, settings)
    deliver_events = providers.Singleton(
        DeliverEvents, uow, clock, mail_templates, mailer, webhook_sender, delivery_policy
    )
    create_webhook = providers.Singleton(CreateWebhook, uow, clock, ids, webhook_destinations)
    get_webhooks = providers.Singleton(GetWebhooks, uow)
    update_webhook = providers.Singleton(UpdateWebhook, uow, clock, webhook_destinations)
    remove_webhook = providers.Singleton(RemoveWebhook, uow)
    list_deliveries = providers.Singleton(ListDeliveries, uow)
    retry_delivery = providers.Singleton(RetryDelivery, uow, clock)
    join_waitlist = providers.Singleton(JoinWaitlist, uow, clock)
    leave_waitlist = providers.Singleton(LeaveWaitlist, uow)
    list_my_waitlist = providers.Singleton(ListMyWaitlist, uow)
    count_pending_events = providers.Singleton(CountPendingEvents, uow)
    # Figures read when the metrics are scraped (GET /metrics).
    scraped_gauges = providers.List(
        providers.Factory(
            ScrapedGauge,
            "events_pending",
            "Events recorded and not yet delivered (e-mail and webhooks)",
            count_pending_events,
        ),
    )
    # §15: reviews, ratings, co-purchases and facets.
    search_books_with_facets = providers.Singleton(SearchBooksWithFacets, uow)
    list_reviews = providers.Singleton(ListReviews, uow)
    review_book = providers.Singleton(ReviewBook, uow, clock, ids)
    edit_my_review = providers.Singleton(EditMyReview, uow, clock)
    delete_my_review = providers.Singleton(DeleteMyReview, uow)
    remove_review = providers.Singleton(RemoveReview, uow)
    also_bought = providers.Singleton(AlsoBought, uow)
    recommend_books = providers.Singleton(RecommendBooks, uow)

    # Coupons (§13): an admin's, and the cart's.
    create_coupon = providers.Singleton(CreateCoupon, uow, clock)
    list_coupons = providers.Singleton(ListCoupons, uow)
    get_coupon = providers.Singleton(GetCoupon, uow)
    update_coupon = providers.Singleton(UpdateCoupon, uow)
    deactivate_coupon = providers.Singleton(DeactivateCoupon, uow)
    apply_coupon = providers.Singleton(ApplyCoupon, uow, store_config, clock)
    remove_coupon = providers.Singleton(RemoveCoupon, uow, store_config, clock)


def create_container(settings: Settings | None = None) -> Container:
    """Build the application; in-memory storage unless the settings name a database."""
    return Container(settings=settings or Settings(database_url=MEMORY_URL))
