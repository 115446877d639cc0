"""Waiting for a sold-out book (§14): join, leave, see what one waits for. When the book's
stock goes from 0 to more, its waiting customers are e-mailed in the order they joined and
leave the list (`announcements.stock_changed`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bookstore.application.use_cases.base import ClockedUseCase, StorageUseCase
from bookstore.domain.book import Book
from bookstore.domain.errors import BookNotFound
from bookstore.domain.events import BookInStock
from bookstore.domain.pagination import Page, PageRequest
from bookstore.domain.user import Actor


@dataclass(frozen=True, slots=True)
class WaitlistCommand:
    actor: Actor
    book_id: int


class JoinWaitlist(ClockedUseCase):
    """Wait for a book with no copies left; True when the customer joined now, False when
    they were already waiting (nothing changes).

    - A book in stock is refused (`BookInStock`): order it instead.
    - The book is locked, so a restock landing at the same moment either comes after (and
      mails this customer) or before (and the book is in stock).
    """

    def __call__(self, command: WaitlistCommand) -> bool:
        with self._uow() as uow:
            book = uow.books.lock([command.book_id]).get(command.book_id)
            if book is None:
                raise BookNotFound(command.book_id)
            if book.stock > 0:
                raise BookInStock(book.id)
            joined = uow.waitlist.join(command.actor.user_id, book.id, self._clock.now())
            uow.commit()
        return joined


class LeaveWaitlist(StorageUseCase):
    """Stop waiting for a book (doing so when not waiting changes nothing)."""

    def __call__(self, command: WaitlistCommand) -> None:
        with self._uow() as uow:
            if uow.books.get(command.book_id) is None:
                raise BookNotFound(command.book_id)
            uow.waitlist.leave(command.actor.user_id, command.book_id)
            uow.commit()


@dataclass(frozen=True, slots=True)
class MyWaitlistCommand:
    actor: Actor
    page: PageRequest = field(default_factory=PageRequest)


class ListMyWaitlist(StorageUseCase):
    """The books the caller waits for, in the order they joined."""

    def __call__(self, command: MyWaitlistCommand) -> Page[Book]:
        with self._uow(read_only=True) as uow:
            return uow.waitlist.books_of(command.actor.user_id, command.page)
