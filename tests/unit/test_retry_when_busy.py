"""The use cases that say they may run again after `WriterBusy` (`retry_when_busy`) open their
write unit of work before any other storage action: refused there, they did nothing, and run
again as if for the first time."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from dependency_injector import providers

import bookstore.application.use_cases as use_cases
from bookstore.application.ports import UnitOfWork, WriterBusy
from bookstore.application.use_cases import (
    AddToCartCommand,
    PlaceOrderCommand,
    PlaceOrderOnceCommand,
    SetCartQuantityCommand,
)
from bookstore.application.use_cases.apply_coupon import ApplyCouponCommand
from bookstore.application.use_cases.delete_review import (
    DeleteMyReviewCommand,
    RemoveReviewCommand,
)
from bookstore.application.use_cases.edit_review import EditMyReviewCommand
from bookstore.application.use_cases.review_book import ReviewBookCommand
from bookstore.domain.book import Book
from bookstore.domain.review import Review, ReviewText
from bookstore.domain.user import Actor

from .review_support import buyer, review
from .support import Shop


class _BusyOnce:
    """The shop's storage; once armed, it notes every unit of work opened and refuses the
    first write one, as a SQLite file whose write lock another process holds."""

    def __init__(self, storage: Any) -> None:
        self._storage = storage
        self.opened: list[str] | None = None

    def arm(self) -> None:
        self.opened = []

    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        if self.opened is not None:
            self.opened.append("read" if read_only else "write")
            if not read_only and self.opened.count("write") == 1:
                raise WriterBusy()
        return self._storage(read_only=read_only)  # type: ignore[no-any-return]

    @property
    def inline_work(self) -> bool:
        return True

    @property
    def inline_reads(self) -> bool:
        return True

    @property
    def work_threads(self) -> int:
        return 1

    @contextmanager
    def writes_without_waiting(self) -> Iterator[None]:
        yield

    def bulk_written(self) -> None:
        pass


Scenario = Callable[[Shop], tuple[Any, Any]]
"""Sets the scene in a shop; the use case to call and its command."""


def _add_to_cart(shop: Shop) -> tuple[Any, Any]:
    book = shop.book(stock=3)
    return shop.app.add_to_cart(), AddToCartCommand(shop.customer(), book.id, 2)


def _set_quantity(shop: Shop) -> tuple[Any, Any]:
    book = shop.book(stock=3)
    return shop.app.set_cart_quantity(), SetCartQuantityCommand(shop.customer(), book.id, 2)


def _place_order(shop: Shop) -> tuple[Any, Any]:
    customer = shop.customer()
    shop.fill_cart(customer, (shop.book(stock=3), 2))
    return shop.app.place_order(), PlaceOrderCommand(customer)


def _place_order_once(shop: Shop) -> tuple[Any, Any]:
    customer = shop.customer()
    shop.fill_cart(customer, (shop.book(stock=3), 2))
    return shop.app.place_order_once(), PlaceOrderOnceCommand(customer, "key-1", "body")


def _apply_coupon(shop: Shop) -> tuple[Any, Any]:
    customer = shop.customer()
    shop.fill_cart(customer, (shop.book(stock=3), 2))
    code = shop.coupon().code
    return shop.app.apply_coupon(), ApplyCouponCommand(customer, code)


def _review_book(shop: Shop) -> tuple[Any, Any]:
    book = shop.book()
    customer = buyer(shop, book)
    return shop.app.review_book(), ReviewBookCommand(customer, book.id, ReviewText(4))


def _reviewed(shop: Shop) -> tuple[Actor, Book, Review]:
    book = shop.book()
    customer = buyer(shop, book)
    return customer, book, review(shop, customer, book, 4)


def _edit_my_review(shop: Shop) -> tuple[Any, Any]:
    customer, book, _ = _reviewed(shop)
    return shop.app.edit_my_review(), EditMyReviewCommand(customer, book.id, ReviewText(2))


def _delete_my_review(shop: Shop) -> tuple[Any, Any]:
    customer, book, _ = _reviewed(shop)
    return shop.app.delete_my_review(), DeleteMyReviewCommand(customer, book.id)


def _remove_review(shop: Shop) -> tuple[Any, Any]:
    _, _, written = _reviewed(shop)
    return shop.app.remove_review(), RemoveReviewCommand(shop.root, written.id)


SCENARIOS: dict[str, Scenario] = {
    "ApplyCoupon": _apply_coupon,
    "AddToCart": _add_to_cart,
    "SetCartQuantity": _set_quantity,
    "PlaceOrder": _place_order,
    "PlaceOrderOnce": _place_order_once,
    "ReviewBook": _review_book,
    "EditMyReview": _edit_my_review,
    "DeleteMyReview": _delete_my_review,
    "RemoveReview": _remove_review,
}


def _declared() -> set[str]:
    names = set()
    for module in pkgutil.iter_modules(use_cases.__path__):
        loaded = importlib.import_module(f"{use_cases.__name__}.{module.name}")
        for name, cls in inspect.getmembers(loaded, inspect.isclass):
            if cls.__module__ == loaded.__name__ and getattr(cls, "retry_when_busy", False):
                names.add(name)
    return names


def test_every_use_case_that_declares_it_is_checked_here() -> None:
    assert _declared() == set(SCENARIOS)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_a_write_refused_as_busy_did_nothing_and_runs_again_from_the_start(name: str) -> None:
    shop = Shop.open()
    storage = shop.storage
    busy = _BusyOnce(storage)
    shop.app.uow.override(providers.Object(busy))
    use_case, command = SCENARIOS[name](shop)
    before = storage.state.fork()
    busy.arm()

    with pytest.raises(WriterBusy):
        use_case(command)

    assert busy.opened == ["write"]  # nothing read or written before
    assert storage.state == before
    use_case(command)  # again, as the HTTP layer does on a worker thread
    assert busy.opened == ["write", "write"]
    assert storage.state != before
