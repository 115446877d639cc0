"""The events of §14, written to the outbox by the use cases in the unit of work of their
change: what each change announces, decided once here.

- An order's transition announces `order.<status>`, with the order as it is after it; an
  order's customer is e-mailed about the events that have a mail (`MAILED`).
- A declined payment announces `payment.failed`.
- A stock movement that takes a book from above its low-stock threshold to at or below it
  announces `book.low_stock`; one that takes a book from 0 to above 0 announces
  `book.back_in_stock`, and takes its waiting list, whose customers are e-mailed in the
  order they joined.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from bookstore.application.outbox import NewEvent
from bookstore.application.ports import UnitOfWork
from bookstore.domain.book import Book
from bookstore.domain.events import EventType
from bookstore.domain.inventory import StockChange, StockMovement
from bookstore.domain.order import Order, OrderTransition
from bookstore.domain.payment import Payment


def order_placed(uow: UnitOfWork, order: Order) -> None:
    uow.outbox.add([NewEvent(EventType.ORDER_PLACED, order, order.created_at, (order.user_id,))])


def order_changed(uow: UnitOfWork, change: OrderTransition) -> None:
    order = change.order
    event = NewEvent(EventType(change.event_type), order, change.entry.at, (order.user_id,))
    uow.outbox.add([event])


def payment_failed(uow: UnitOfWork, payment: Payment) -> None:
    uow.outbox.add([NewEvent(EventType.PAYMENT_FAILED, payment, payment.updated_at)])


def stock_changed(
    uow: UnitOfWork, changes: Iterable[StockChange], books: Mapping[int, Book] | None = None
) -> None:
    """Announce the changes that crossed a line. `books` may hold the books as they are
    after the changes (saving a read); a book no longer in the catalogue announces nothing."""
    events = []
    for change in changes:
        if not (change.fell_to_low_stock or change.came_back_in_stock):
            continue
        book_id = change.movement.book_id
        book = (books or {}).get(book_id) or uow.books.get(book_id)
        if book is None:
            continue
        at = change.movement.at
        if change.fell_to_low_stock:
            events.append(NewEvent(EventType.BOOK_LOW_STOCK, book, at))
        if change.came_back_in_stock:
            waiting = tuple(uow.waitlist.take(book_id))
            events.append(NewEvent(EventType.BOOK_BACK_IN_STOCK, book, at, waiting))
    if events:
        uow.outbox.add(events)


def landed(movement: StockMovement, book: Book) -> StockChange:
    """A movement storage already applied to `book` (which holds the stock after it)."""
    after = book.stock
    return StockChange(movement, after - movement.delta, after, book.low_stock_threshold)


def stock_moved(
    uow: UnitOfWork, movements: Sequence[StockMovement], books: Mapping[int, Book]
) -> None:
    """Announce movements already applied to these books (as they are after them)."""
    stock_changed(
        uow, [landed(m, books[m.book_id]) for m in movements if m.book_id in books], books
    )
