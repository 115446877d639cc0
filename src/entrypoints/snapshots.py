"""What events carry (§14): an order, payment or book as the API's GET shows it, built by the
very functions that build those responses, so a field added to a response is in the events
too."""

from __future__ import annotations

from typing import Any

import msgspec

from bookstore.domain.book import Book
from bookstore.domain.order import Order
from bookstore.domain.payment import Payment


class ApiSnapshots:
    """The `Snapshots` of the composition root."""

    def __init__(self, currency: str) -> None:
        # Imported here: the HTTP package imports the container, which builds this.
        from bookstore.entrypoints.http.schemas.books import book_out
        from bookstore.entrypoints.http.schemas.orders import order_out
        from bookstore.entrypoints.http.schemas.payments import payment_out

        self._currency = currency
        self._order_out, self._payment_out, self._book_out = order_out, payment_out, book_out

    def order(self, order: Order) -> dict[str, Any]:
        return _builtins(self._order_out(order, self._currency))

    def payment(self, payment: Payment) -> dict[str, Any]:
        return _builtins(self._payment_out(payment))

    def book(self, book: Book) -> dict[str, Any]:
        return _builtins(self._book_out(book))


def _builtins(response: msgspec.Struct) -> dict[str, Any]:
    """The response as the JSON encoder writes it (datetimes and ids as strings)."""
    data: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(response))
    return data
