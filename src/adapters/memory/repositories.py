"""In-memory repositories over a transaction's private copy of the state."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from bookstore.adapters.memory.state import MemoryRepository
from bookstore.application.ports import (
    AccessCheck,
    FacetCount,
    IdempotencyRecord,
    RefreshTokenRecord,
)
from bookstore.application.queries import (
    BookQuery,
    BookSort,
    OrderQuery,
    UserQuery,
    fold_case,
)
from bookstore.domain.book import DEFAULT_LOW_STOCK_THRESHOLD, Book, BookDetails
from bookstore.domain.cart import Cart
from bookstore.domain.errors import DuplicateIsbn, EmailAlreadyRegistered
from bookstore.domain.order import Order, OrderTransition
from bookstore.domain.pagination import Page
from bookstore.domain.review import RatingChange
from bookstore.domain.user import User
from bookstore.domain.values import Email

_WEIGHTS = {"title": 10.0, "author": 4.0, "genre": 1.0}


def _copy(book: Book) -> Book:
    return replace(book)


def _words(text: str) -> list[str]:
    """The words of a text, case- and accent-insensitively, split at anything not a letter
    or digit (as SQLite's unicode61 tokenizer does)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c if c.isalnum() else " " for c in folded).split()


class MemoryBookRepository(MemoryRepository):
    def add(
        self,
        details: BookDetails,
        now: datetime,
        *,
        actor_id: UUID | None = None,
        low_stock_threshold: int = DEFAULT_LOW_STOCK_THRESHOLD,
    ) -> Book:
        self._refuse_duplicate_isbn(details, book_id=None)
        self._state.last_book_id += 1
        book = Book(self._state.last_book_id, details, now, now, low_stock_threshold)
        self._state.books[book.id] = _copy(book)
        if (initial := book.initial_movement(actor_id)) is not None:
            self._state.record([initial])
        return book

    def get(self, book_id: int) -> Book | None:
        book = self._state.books.get(book_id)
        return _copy(book) if book else None

    def get_many(self, book_ids: Collection[int]) -> dict[int, Book]:
        return {i: _copy(b) for i in book_ids if (b := self._state.books.get(i)) is not None}

    def lock(self, book_ids: Collection[int]) -> dict[int, Book]:
        # A write transaction holds the store's write lock already.
        return self.get_many(sorted(book_ids))

    def update(self, book: Book) -> None:
        if book.id in self._state.books:
            self._refuse_duplicate_isbn(book.details, book_id=book.id)
            self._state.books[book.id] = _copy(book)

    def take_stock(self, book_id: int, quantity: int) -> bool:
        book = self._state.books.get(book_id)
        if book is None or not book.covers(quantity):
            return False
        taken = _copy(book)
        taken.take_stock(quantity)
        self._state.books[book_id] = taken
        return True

    def add_stock(self, book_id: int, quantity: int, now: datetime) -> Book | None:
        book = self._state.books.get(book_id)
        if book is None:
            return None
        restocked = _copy(book)
        restocked.restock(quantity)
        restocked.updated_at = now
        self._state.books[book_id] = restocked
        return _copy(restocked)

    def remove(self, book_id: int, now: datetime) -> bool:
        book = self._state.books.pop(book_id, None)
        if book is None:
            return False
        self._state.removed_books[book_id] = replace(book, updated_at=now)
        return True

    def search(self, query: BookQuery) -> Page[Book]:
        matches = [
            (score, book)
            for book in self._state.books.values()
            if _passes_filters(book, query) and (score := _relevance(book, query)) is not None
        ]
        wanted = query.effective_sort
        sort = _REVERSED.get(wanted, wanted)
        matches.sort(key=_SORT_KEYS[sort], reverse=sort is not wanted)
        return Page.window([book for _, book in matches], query.page).map(_copy)

    def change_rating(self, book_id: int, change: RatingChange) -> None:
        for table in (self._state.books, self._state.removed_books):
            if (book := table.get(book_id)) is not None:
                table[book_id] = replace(book, rating=book.rating.changed(change))

    def genre_counts(self, query: BookQuery) -> list[FacetCount]:
        counts: dict[str, list[Any]] = {}
        for book in self._state.books.values():
            if _passes_filters(book, query) and _relevance(book, query) is not None:
                seen = counts.setdefault(fold_case(book.details.genre), [book.details.genre, 0])
                seen[0] = min(seen[0], book.details.genre)
                seen[1] += 1
        facets = [FacetCount(genre, count) for genre, count in counts.values()]
        return sorted(facets, key=lambda f: (-f.count, f.value))

    def _refuse_duplicate_isbn(self, details: BookDetails, book_id: int | None) -> None:
        if details.isbn is None:
            return
        for other in self._state.books.values():
            if other.id != book_id and other.details.isbn == details.isbn:
                raise DuplicateIsbn(details.isbn.value)


def _passes_filters(book: Book, query: BookQuery) -> bool:
    d = book.details
    checks = (
        query.title is None or fold_case(query.title) in fold_case(d.title),
        query.author is None or fold_case(query.author) in fold_case(d.author),
        query.genre is None or fold_case(query.genre) == fold_case(d.genre),
        query.min_price is None or d.price >= query.min_price,
        query.max_price is None or d.price <= query.max_price,
        not query.in_stock or d.stock > 0,
        query.min_rating is None or book.rating.sort_key >= query.min_rating,
    )
    return all(checks)


def _relevance(book: Book, query: BookQuery) -> float | None:
    """None when a search word matches nowhere; otherwise a score, title weighing most."""
    words = [w for word in query.search_words for w in _words(word)]
    if not words:
        return 0.0
    fields = {name: _words(getattr(book.details, name)) for name in _WEIGHTS}
    score = 0.0
    for word in words:
        hits = [name for name, tokens in fields.items() if any(t.startswith(word) for t in tokens)]
        if not hits:
            return None
        score += sum(_WEIGHTS[name] for name in hits)
    return score


_SORT_KEYS: dict[BookSort, Callable[[tuple[float, Book]], tuple[object, ...]]] = {
    BookSort.RELEVANCE: lambda sb: (-sb[0], fold_case(sb[1].title), sb[1].id),
    BookSort.TITLE: lambda sb: (fold_case(sb[1].title), sb[1].id),
    BookSort.PRICE: lambda sb: (sb[1].price, sb[1].id),
    BookSort.CREATED_AT: lambda sb: (sb[1].created_at, sb[1].id),
    BookSort.RATING_DESC: lambda sb: rating_order(sb[1]),
}

_REVERSED = {
    BookSort.TITLE_DESC: BookSort.TITLE,
    BookSort.PRICE_DESC: BookSort.PRICE,
    BookSort.CREATED_AT_DESC: BookSort.CREATED_AT,
}
"""The descending sorts: each the exact reverse of an ascending one (ties go by id)."""


def rating_order(book: Book) -> tuple[object, ...]:
    """Highest average first, then more ratings, then lower id (unrated books score 0)."""
    return (-book.rating.sort_key, -book.rating.count, book.id)


class MemoryUserRepository(MemoryRepository):
    def add(self, user: User) -> None:
        self._refuse_taken_email(user)
        self._state.users[user.id] = replace(user)

    def get(self, user_id: UUID) -> User | None:
        user = self._state.users.get(user_id)
        return replace(user) if user else None

    def get_by_email(self, email: Email) -> User | None:
        found = (u for u in self._state.users.values() if u.email == email)
        user = next(found, None)
        return replace(user) if user else None

    def update(self, user: User) -> None:
        if user.id in self._state.users:
            self._refuse_taken_email(user)
            self._state.users[user.id] = replace(user)

    def list(self, query: UserQuery) -> Page[User]:
        needle = (query.email_contains or "").casefold()
        users = [u for u in self._state.users.values() if needle in u.email.value]
        users.sort(key=lambda u: (u.created_at, str(u.id)))
        return Page.window(users, query.page).map(replace)

    def _refuse_taken_email(self, user: User) -> None:
        """One account per email, as the SQL tables' unique index keeps it."""
        holder = self.get_by_email(user.email)
        if holder is not None and holder.id != user.id:
            raise EmailAlreadyRegistered()


class MemoryCartRepository(MemoryRepository):
    def get(self, user_id: UUID) -> Cart:
        state = self._state
        return Cart(
            user_id,
            dict(state.carts.get(user_id, {})),
            dict(state.cart_quotes.get(user_id, {})),
            list(state.cart_coupons.get(user_id, [])),
            list(state.cart_unavailable.get(user_id, [])),
        )

    def save(self, cart: Cart) -> None:
        user_id = cart.user_id
        self._state.carts[user_id] = dict(cart.lines)
        self._state.cart_quotes[user_id] = dict(cart.quoted)
        self._state.cart_coupons[user_id] = list(cart.coupons)
        self._state.cart_unavailable[user_id] = list(cart.unavailable)

    def remove_book_everywhere(self, book_id: int) -> None:
        for user_id, lines in self._state.carts.items():
            if lines.pop(book_id, None) is not None:
                self._state.cart_quotes.get(user_id, {}).pop(book_id, None)
                self._state.cart_unavailable.setdefault(user_id, []).append(book_id)


class MemoryOrderRepository(MemoryRepository):
    def add(self, order: Order) -> None:
        self._state.orders[order.id] = order

    def get(self, order_id: UUID) -> Order | None:
        return self._state.orders.get(order_id)

    def transition(self, transition: OrderTransition) -> bool:
        current = self._state.orders.get(transition.order.id)
        if current is None or current.status is not transition.previous:
            return False
        if current.payment_status is not transition.previous_payment:
            return False
        self._state.orders[current.id] = transition.order
        return True

    def list(self, query: OrderQuery) -> Page[Order]:
        # Dicts keep insertion order: among equal timestamps, the later insert is newer (a
        # stable sort of the orders latest first keeps it so).
        orders = [o for o in reversed(self._state.orders.values()) if _wanted(o, query)]
        orders.sort(key=lambda o: o.created_at, reverse=True)
        return Page.window(orders, query.page)


def _wanted(order: Order, query: OrderQuery) -> bool:
    return (query.user_id is None or order.user_id == query.user_id) and (
        query.status is None or order.status is query.status
    )


class MemorySessionRepository(MemoryRepository):
    def add_refresh_token(self, record: RefreshTokenRecord) -> None:
        self._state.refresh_tokens[record.token_id] = record

    def get_refresh_token(self, token_id: str) -> RefreshTokenRecord | None:
        return self._state.refresh_tokens.get(token_id)

    def use_refresh_token(self, token_id: str, now: datetime) -> bool:
        record = self._state.refresh_tokens.get(token_id)
        if record is None or record.used_at is not None or record.revoked_at is not None:
            return False
        self._state.refresh_tokens[token_id] = replace(record, used_at=now)
        return True

    def revoke_family(self, family_id: str, now: datetime) -> None:
        for token_id, record in list(self._state.refresh_tokens.items()):
            if record.family_id == family_id and record.revoked_at is None:
                self._state.refresh_tokens[token_id] = replace(record, revoked_at=now)

    def revoke_access_token(self, token_id: str, expires_at: datetime) -> None:
        self._state.revoked_access_tokens[token_id] = expires_at

    def is_access_token_revoked(self, token_id: str) -> bool:
        return token_id in self._state.revoked_access_tokens

    def check_access(self, token_id: str, user_id: UUID) -> AccessCheck:
        revoked = token_id in self._state.revoked_access_tokens
        user = self._state.users.get(user_id)
        if user is None:
            return AccessCheck(revoked, None)
        return AccessCheck(revoked, user.role, user.is_active)


class MemoryIdempotencyRepository(MemoryRepository):
    """Write units of work are serialised, so a key is never seen in flight."""

    def find(self, user_id: UUID, key: str, not_before: datetime) -> IdempotencyRecord | None:
        record = self._state.idempotency_keys.get((user_id, key))
        return record if record is not None and record.created_at >= not_before else None

    def save(self, record: IdempotencyRecord) -> None:
        self._state.idempotency_keys[(record.user_id, record.key)] = record
