"""The ports the use cases need. Adapters implement them; use cases depend only on these.

Every repository lives inside a unit of work: nothing it does is visible to others until
`commit()`, and leaving the `with` block without committing rolls everything back.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import TracebackType
from typing import ClassVar, Literal, Protocol, Self, TypeVar
from uuid import UUID

from bookstore.application.outbox import Deliveries, Outbox, Waitlist, WebhookEndpoints
from bookstore.application.queries import BookQuery, OrderQuery, ReviewQuery, UserQuery
from bookstore.domain.book import DEFAULT_LOW_STOCK_THRESHOLD, Book, BookDetails
from bookstore.domain.cart import Cart
from bookstore.domain.coupon import Coupon
from bookstore.domain.inventory import Reconciliation, StockChange, StockMovement
from bookstore.domain.order import Order, OrderTransition
from bookstore.domain.pagination import Page, PageRequest
from bookstore.domain.payment import OrderPaymentStatus, Payment, PaymentStatus
from bookstore.domain.review import RatingChange, Review
from bookstore.domain.user import Role, User
from bookstore.domain.values import Email


class BookRepository(Protocol):
    """Stock changes made here (`take_stock`, `add_stock`, a new stock through `update`) are
    not recorded: the caller records their movements in the same unit of work
    (`Inventory.record`). Only `add` records its own (the initial stock)."""

    def add(
        self,
        details: BookDetails,
        now: datetime,
        *,
        actor_id: UUID | None = None,
        low_stock_threshold: int = DEFAULT_LOW_STOCK_THRESHOLD,
    ) -> Book:
        """Store a new book, give it an id and record its `initial` movement (if its stock is
        above 0, by `actor_id`). Raises `DuplicateIsbn`."""
        ...

    def get(self, book_id: int) -> Book | None:
        """A book still in the catalogue, or None."""
        ...

    def get_many(self, book_ids: Collection[int]) -> dict[int, Book]:
        """The catalogue books among these ids (missing ones are left out)."""
        ...

    def lock(self, book_ids: Collection[int]) -> dict[int, Book]:
        """Like `get_many`, but fresh from storage and locked against concurrent writers
        until the unit of work ends; rows are locked in ascending id order."""
        ...

    def update(self, book: Book) -> None:
        """Write a book's details; raises `DuplicateIsbn`."""
        ...

    def take_stock(self, book_id: int, quantity: int) -> bool:
        """Atomically take copies if the stock covers them; False (nothing taken) if not."""
        ...

    def add_stock(self, book_id: int, quantity: int, now: datetime) -> Book | None:
        """Atomically add copies; None if the book is not in the catalogue."""
        ...

    def remove(self, book_id: int, now: datetime) -> bool:
        """Take a book out of the catalogue (past orders keep their lines); False if absent."""
        ...

    def search(self, query: BookQuery) -> Page[Book]: ...

    def change_rating(self, book_id: int, change: RatingChange) -> None:
        """Add a change to the book's kept rating count and sum in one relative update
        (`count = count + :n`), so concurrent reviews add up exactly; removed books too."""
        ...

    def genre_counts(self, query: BookQuery) -> list[FacetCount]:
        """How many of every book matching the query's filters (its page aside) have each
        genre (genres compared case-insensitively): most first, ties by genre."""
        ...


@dataclass(frozen=True, slots=True)
class FacetCount:
    value: str
    count: int


class ReviewRepository(Protocol):
    """Reviews (§15): one per customer and book, kept unique by storage."""

    def add(self, review: Review) -> None:
        """Raises `AlreadyReviewed` when the user has a review of the book already (decided
        by storage, so two at once cannot both land)."""
        ...

    def mine(self, user_id: UUID, book_id: int) -> Review | None:
        """The user's review of the book; in a write unit of work, locked until it ends."""
        ...

    def get(self, review_id: UUID) -> Review | None:
        """A review by id; in a write unit of work, locked until it ends."""
        ...

    def replace(self, review: Review) -> None:
        """Write a review's text and `updated_at`."""
        ...

    def remove(self, review_id: UUID) -> bool:
        """Delete a review; False when it was gone already."""
        ...

    def of_book(self, query: ReviewQuery) -> Page[Review]: ...

    def has_purchased(self, user_id: UUID, book_id: int) -> bool:
        """Whether one of the user's orders holding the book is paid, shipped or delivered."""
        ...


class CoPurchases(Protocol):
    """What customers bought together, from the lines of every order not cancelled (§15)."""

    def also_bought(self, book_id: int, limit: int) -> list[Book]:
        """Catalogue books in the most orders that hold this one, most first (ties by title,
        then id), the book itself left out."""
        ...

    def bought_with_mine(self, user_id: UUID, limit: int) -> list[Book]:
        """Catalogue books in stock that the user has not bought, by how often they were
        bought together with what the user bought (orders holding both, summed over the
        user's books), most first (ties by title, then id)."""
        ...

    def top_rated_unbought(
        self, user_id: UUID, limit: int, excluding: Collection[int] = ()
    ) -> list[Book]:
        """Catalogue books in stock that the user has not bought (nor `excluding`), highest
        average first, then more ratings, then lower id (unrated books last)."""
        ...


class UserRepository(Protocol):
    def add(self, user: User) -> None:
        """Raises `EmailAlreadyRegistered` when the email is taken, whatever its case."""
        ...

    def get(self, user_id: UUID) -> User | None: ...

    def get_by_email(self, email: Email) -> User | None: ...

    def update(self, user: User) -> None: ...

    def list(self, query: UserQuery) -> Page[User]: ...


class CartRepository(Protocol):
    def get(self, user_id: UUID) -> Cart:
        """The user's cart; an empty one if they have none yet."""
        ...

    def save(self, cart: Cart) -> None: ...

    def remove_book_everywhere(self, book_id: int) -> None: ...


class OrderRepository(Protocol):
    def add(self, order: Order) -> None:
        """Store a new order with its lines and its status history."""
        ...

    def get(self, order_id: UUID) -> Order | None: ...

    def transition(self, transition: OrderTransition) -> bool:
        """Write a transition (status, history entry, shipment, cancellation reason) only if
        the order is still in the status the transition left, in one conditional update:
        False, having written nothing, when another transaction moved the order first."""
        ...

    def list(self, query: OrderQuery) -> Page[Order]:
        """Newest first."""
        ...


class CouponRepository(Protocol):
    """Coupons (§13) and their uses. A use is taken in the order's transaction and given back
    in its cancellation's; a customer's uses are those of their orders not cancelled."""

    def add(self, coupon: Coupon) -> None:
        """Raises `DuplicateCoupon` when the code is taken."""
        ...

    def get(self, code: str) -> Coupon | None: ...

    def get_many(self, codes: Collection[str]) -> dict[str, Coupon]:
        """The coupons with these codes (unknown ones are left out)."""
        ...

    def lock(self, codes: Collection[str]) -> dict[str, Coupon]:
        """Like `get_many`, but fresh from storage and locked against concurrent redemptions
        and cancellations until the unit of work ends (in code order), so that the uses
        counted next are exact."""
        ...

    def update(self, coupon: Coupon) -> bool:
        """Write an admin's fields (not `times_used`); False if there is no such coupon."""
        ...

    def list(self, active: bool | None, page: PageRequest) -> Page[Coupon]:
        """Newest first (ties by code); `active` keeps only active or inactive ones."""
        ...

    def uses_by(self, user_id: UUID, codes: Collection[str]) -> dict[str, int]:
        """How many of this customer's orders not cancelled carry each coupon."""
        ...

    def take_use(self, code: str) -> bool:
        """Atomically count one more use of an active coupon that has uses left; False
        (nothing written) when it is inactive or used up now."""
        ...

    def give_back(self, codes: Sequence[str]) -> None:
        """Count one use less of each (a cancelled order's)."""
        ...


class Inventory(Protocol):
    """The stock ledger: movements are only ever added; a book's stock = the sum of its
    movements after every unit of work."""

    def move(
        self, movements: Sequence[StockMovement], *, in_catalogue: bool = True
    ) -> list[StockChange]:
        """Apply each movement to its book's stock atomically (`stock = stock + delta`, books
        in ascending id order) and record them all. Refuses, leaving the unit of work to be
        rolled back, a movement that would take a stock below zero (`InsufficientStock`) or
        above the largest (`InvalidInput`), or whose book is absent (`BookNotFound`; with
        `in_catalogue=False`, books removed from the catalogue are moved too)."""
        ...

    def record(self, movements: Sequence[StockMovement]) -> None:
        """Record movements whose stock change storage already made (an order's
        `take_stock`): one multi-row insert."""
        ...

    def movements(self, book_id: int, page: PageRequest) -> Page[StockMovement] | None:
        """A book's movements, newest first; None if no such book was ever catalogued."""
        ...

    def reconcile(self) -> Reconciliation:
        """Every book's stock (removed ones too) against the sum of its movements."""
        ...

    def low_stock(self, page: PageRequest) -> Page[Book]:
        """Catalogue books whose stock is at or below their threshold, lowest stock first
        (ties by id)."""
        ...


class CatalogueTransfer(Protocol):
    """The catalogue in bulk, for imports and exports (§16)."""

    def by_isbn(self, isbns: Collection[str]) -> dict[str, Book]:
        """The catalogue books with these ISBNs (13 digits), by ISBN, locked against
        concurrent writers until the unit of work ends (as `BookRepository.lock`)."""
        ...

    def add_listed(self, details: BookDetails, now: datetime, *, low_stock_threshold: int) -> Book:
        """Store a new book and give it an id, recording no movement: the caller records its
        stock's (`import`). Raises `DuplicateIsbn`."""
        ...

    def page_after(self, book_id: int, limit: int) -> list[Book]:
        """Up to `limit` catalogue books with ids above `book_id`, in id order."""
        ...


class Housekeeping(Protocol):
    """Deleting what no one may use any more (`bookstore db prune`). Each method returns
    how many rows it deleted."""

    def prune_revoked_access_tokens(self, now: datetime) -> int:
        """Revocations of access tokens that have expired anyway."""
        ...

    def prune_refresh_tokens(self, now: datetime) -> int:
        """Refresh tokens past their expiry, and revoked ones (whose family is revoked)."""
        ...

    def prune_idempotency_keys(self, created_before: datetime) -> int:
        """Idempotency records made before this moment (past the keys' lifetime)."""


class PaymentRepository(Protocol):
    """Payments, the order's `payment_status`, and the provider events already applied."""

    def add(self, payment: Payment) -> None: ...

    def get(self, payment_id: UUID) -> Payment | None: ...

    def by_key(self, order_id: UUID, key: str) -> Payment | None:
        """The payment of this order that answers for this idempotency key."""
        ...

    def of_order(self, order_id: UUID, page: PageRequest) -> Page[Payment]:
        """Oldest first."""
        ...

    def update(self, payment: Payment, was: PaymentStatus) -> bool:
        """Write a payment only if it is still in status `was`: False, having written
        nothing, when another transaction changed it first."""
        ...

    def claim_order(self, order_id: UUID) -> bool:
        """Atomically move a `placed`, `unpaid` order's payment status to `processing`; False
        (nothing written) when it is not such an order now."""
        ...

    def set_order_status(
        self, order_id: UUID, to: OrderPaymentStatus, was: OrderPaymentStatus
    ) -> bool:
        """Atomically change an order's payment status if it is `was`."""
        ...

    def first_delivery(self, event_id: str, at: datetime) -> bool:
        """Record a provider event as applied: False if it already was (or is being, by a
        transaction that then commits). Recorded in the unit of work of its effect."""
        ...

    def expirable_orders(self, placed_before: datetime, limit: int) -> list[UUID]:
        """Ids of `placed`, `unpaid` orders placed before the time, oldest first."""
        ...

    def refunds_owed(self, limit: int) -> list[UUID]:
        """Ids of succeeded payments whose refund is owed and not yet done."""
        ...


@dataclass(frozen=True, slots=True)
class RefreshTokenRecord:
    """What the server remembers of a refresh token, to rotate it and detect reuse."""

    token_id: str
    family_id: str
    user_id: UUID
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None


class SessionRepository(Protocol):
    def add_refresh_token(self, record: RefreshTokenRecord) -> None: ...

    def get_refresh_token(self, token_id: str) -> RefreshTokenRecord | None: ...

    def use_refresh_token(self, token_id: str, now: datetime) -> bool:
        """Mark a refresh token used, atomically; False if it was already used or revoked."""
        ...

    def revoke_family(self, family_id: str, now: datetime) -> None: ...

    def revoke_access_token(self, token_id: str, expires_at: datetime) -> None: ...

    def is_access_token_revoked(self, token_id: str) -> bool: ...

    def check_access(self, token_id: str, user_id: UUID) -> AccessCheck:
        """Whether an access token was revoked, and its user's account as it is now, read
        in one step (authentication does this on every request)."""
        ...


@dataclass(frozen=True, slots=True)
class AccessCheck:
    token_revoked: bool
    role: Role | None
    """None when the account is gone."""
    is_active: bool = False


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """A successful keyed request: which order it placed, and a fingerprint of the request."""

    user_id: UUID
    key: str
    fingerprint: str
    order_id: UUID
    created_at: datetime


class IdempotencyRepository(Protocol):
    def find(self, user_id: UUID, key: str, not_before: datetime) -> IdempotencyRecord | None:
        """This user's record of the key, if made at or after `not_before`.

        In a write unit of work this also claims the key until the unit of work ends; a
        key claimed by another transaction raises `IdempotencyInFlight` (storage that
        serialises writers, as SQLite does, simply waits for it instead).
        """
        ...

    def save(self, record: IdempotencyRecord) -> None:
        """Remember a success, replacing an expired record of the same user and key."""
        ...


class UnitOfWork(Protocol):
    @property
    def books(self) -> BookRepository: ...

    @property
    def users(self) -> UserRepository: ...

    @property
    def carts(self) -> CartRepository: ...

    @property
    def orders(self) -> OrderRepository: ...

    @property
    def sessions(self) -> SessionRepository: ...

    @property
    def idempotency(self) -> IdempotencyRepository: ...

    @property
    def inventory(self) -> Inventory: ...

    @property
    def catalogue(self) -> CatalogueTransfer: ...

    @property
    def housekeeping(self) -> Housekeeping: ...

    @property
    def payments(self) -> PaymentRepository: ...

    @property
    def coupons(self) -> CouponRepository: ...

    # The outbox of §14 (see `bookstore.application.outbox`).

    @property
    def outbox(self) -> Outbox: ...

    @property
    def deliveries(self) -> Deliveries: ...

    @property
    def webhooks(self) -> WebhookEndpoints: ...

    @property
    def waitlist(self) -> Waitlist: ...

    # Reviews and co-purchases of §15.

    @property
    def reviews(self) -> ReviewRepository: ...

    @property
    def co_purchases(self) -> CoPurchases: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""
        ...

    def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work. `read_only` promises no writes, so storage need not serialise
        it behind writers (SQLite takes its write lock up front otherwise)."""
        ...

    @property
    def inline_work(self) -> bool:
        """True when a unit of work is short local work that never waits on a network (a
        SQLite file): a caller on an event loop may run writes right there, inside
        `writes_without_waiting()`. False when work may wait (a database server)."""
        ...

    @property
    def inline_reads(self) -> bool:
        """True when a read is short and near, and never waits for a writer (a SQLite file in
        WAL mode; a database server on this machine, whose reads see a snapshot): a caller on
        an event loop may run reads right there, since handing them to a thread costs more.
        False when a read may wait on a network."""
        ...

    @property
    def work_threads(self) -> int:
        """How many threads may do storage work at once, each finding a connection kept for
        it: more would wait for one, or open and close one beyond those kept."""
        ...

    def writes_without_waiting(self) -> AbstractContextManager[None]:
        """Write units of work opened inside raise `WriterBusy`, having done nothing, where
        they would have to wait for another writer (storage that cannot promise not to wait
        raises it at once)."""
        ...

    def bulk_written(self) -> None:
        """Many rows were just written at once (a seed, an import): storage brings what it
        knows about its data up to date, e.g. a database planner's statistics, so the next
        queries are planned for the data as it is now."""
        ...


class WriterBusy(Exception):
    """A write unit of work opened inside `writes_without_waiting()` would have had to wait
    for another writer, so it did nothing."""


class StorageUnavailable(Exception):
    """Storage cannot do the work now (database down, locked past its timeout, disk error):
    the same request may succeed later."""


C_contra = TypeVar("C_contra", contravariant=True)
R_co = TypeVar("R_co", covariant=True)


class RetryableWrite(Protocol[C_contra, R_co]):
    """A use case whose first storage action is opening its write unit of work. If that
    unit of work raises `WriterBusy` (see `UnitOfWorkFactory.writes_without_waiting`),
    nothing has happened yet, so the whole call may run again where waiting is harmless.
    A use case declares it with `retry_when_busy = True`; a test checks the claim."""

    retry_when_busy: ClassVar[Literal[True]]

    def __call__(self, command: C_contra, /) -> R_co: ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class IdGenerator(Protocol):
    def new_id(self) -> UUID: ...

    def new_token_id(self) -> str: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password: str, password_hash: str) -> bool:
        """True when the password matches; never raises for a wrong or odd password."""
        ...

    def dummy_hash(self) -> str:
        """A valid hash of no one's password: checking against it costs as much as a real
        check, so unknown accounts cannot be told apart by timing."""
        ...


class TokenKind(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"


@dataclass(frozen=True, slots=True)
class TokenClaims:
    subject: UUID
    token_id: str
    kind: TokenKind
    issued_at: datetime
    expires_at: datetime
    family_id: str | None = None


class TokenService(Protocol):
    def issue(self, claims: TokenClaims) -> str: ...

    def read(self, token: str, kind: TokenKind) -> TokenClaims:
        """Verify signature, expiry and kind; raises `AuthenticationFailed` otherwise."""
        ...
