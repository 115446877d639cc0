"""Keyed order placement on every storage: at most one order per user and key."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sql_support import RandomIds, a_user, add_books, add_users, details

from bookstore.adapters.clock import ManualClock
from bookstore.application.config import StoreConfig
from bookstore.application.ports import UnitOfWorkFactory
from bookstore.application.queries import OrderQuery
from bookstore.application.use_cases.place_order_once import (
    OrderPlacement,
    PlaceOrderOnce,
    PlaceOrderOnceCommand,
)
from bookstore.domain.cart import Cart
from bookstore.domain.errors import (
    EmptyCart,
    IdempotencyInFlight,
    IdempotencyKeyMismatch,
    InvalidInput,
)
from bookstore.domain.user import Actor, Role, User


def _fill_cart(factory: UnitOfWorkFactory, user: User, lines: dict[int, int]) -> None:
    with factory() as uow:
        uow.carts.save(Cart(user.id, dict(lines)))
        uow.commit()


def _orders_of(factory: UnitOfWorkFactory, user: User) -> int:
    with factory(read_only=True) as uow:
        return uow.orders.list(OrderQuery(user_id=user.id)).total


def _stock(factory: UnitOfWorkFactory, book_id: int) -> int:
    with factory(read_only=True) as uow:
        book = uow.books.get(book_id)
    assert book is not None
    return book.stock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def place(uow_factory: UnitOfWorkFactory, clock: ManualClock) -> PlaceOrderOnce:
    return PlaceOrderOnce(uow_factory, clock, RandomIds(), StoreConfig())


def _command(user: User, key: str = "key-1", fingerprint: str = "{}") -> PlaceOrderOnceCommand:
    return PlaceOrderOnceCommand(Actor(user.id, Role.CUSTOMER), key, fingerprint)


def test_a_retry_with_the_same_key_returns_the_first_order_and_places_nothing(
    uow_factory: UnitOfWorkFactory, place: PlaceOrderOnce
) -> None:
    user = a_user()
    add_users(uow_factory, user)
    (book,) = add_books(uow_factory, details("A", stock=5))
    _fill_cart(uow_factory, user, {book.id: 2})
    first = place(_command(user))
    _fill_cart(uow_factory, user, {book.id: 1})
    again = place(_command(user))
    assert not first.replayed
    assert again.replayed
    assert again.order == first.order
    assert _orders_of(uow_factory, user) == 1
    assert _stock(uow_factory, book.id) == 3
    assert place.replay(_command(user)) == again


def test_the_same_key_with_another_request_is_refused(
    uow_factory: UnitOfWorkFactory, place: PlaceOrderOnce
) -> None:
    user = a_user()
    add_users(uow_factory, user)
    (book,) = add_books(uow_factory, details("A", stock=5))
    _fill_cart(uow_factory, user, {book.id: 1})
    place(_command(user, fingerprint="{}"))
    with pytest.raises(IdempotencyKeyMismatch):
        place(_command(user, fingerprint='{"coupon":"X"}'))
    with pytest.raises(IdempotencyKeyMismatch):
        place.replay(_command(user, fingerprint='{"coupon":"X"}'))


def test_keys_belong_to_one_user(uow_factory: UnitOfWorkFactory, place: PlaceOrderOnce) -> None:
    ada, bob = a_user("ada@example.com"), a_user("bob@example.com")
    add_users(uow_factory, ada, bob)
    (book,) = add_books(uow_factory, details("A", stock=5))
    _fill_cart(uow_factory, ada, {book.id: 1})
    _fill_cart(uow_factory, bob, {book.id: 2})
    adas = place(_command(ada, key="shared"))
    bobs = place(_command(bob, key="shared"))
    assert not bobs.replayed
    assert bobs.order.id != adas.order.id
    assert bobs.order.user_id == bob.id
    assert _stock(uow_factory, book.id) == 2


def test_a_failed_attempt_leaves_the_key_free(
    uow_factory: UnitOfWorkFactory, place: PlaceOrderOnce
) -> None:
    user = a_user()
    add_users(uow_factory, user)
    (book,) = add_books(uow_factory, details("A", stock=5))
    with pytest.raises(EmptyCart):
        place(_command(user))
    assert place.replay(_command(user)) is None
    _fill_cart(uow_factory, user, {book.id: 1})
    assert not place(_command(user)).replayed


def test_a_key_is_remembered_for_a_day_then_forgotten(
    uow_factory: UnitOfWorkFactory, place: PlaceOrderOnce, clock: ManualClock
) -> None:
    user = a_user()
    add_users(uow_factory, user)
    (book,) = add_books(uow_factory, details("A", stock=5))
    _fill_cart(uow_factory, user, {book.id: 1})
    first = place(_command(user))
    clock.advance(timedelta(hours=23, minutes=59))
    assert place(_command(user)).order == first.order
    clock.advance(timedelta(minutes=2))
    _fill_cart(uow_factory, user, {book.id: 1})
    later = place(_command(user))
    assert not later.replayed
    assert _orders_of(uow_factory, user) == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "é"])
def test_a_malformed_key_is_refused(
    uow_factory: UnitOfWorkFactory, place: PlaceOrderOnce, key: str
) -> None:
    user = a_user()
    add_users(uow_factory, user)
    with pytest.raises(InvalidInput):
        place(_command(user, key=key))


@pytest.mark.slow
def test_twenty_concurrent_requests_with_one_key_place_one_order(
    uow_factory: UnitOfWorkFactory, place: PlaceOrderOnce
) -> None:
    user = a_user()
    add_users(uow_factory, user)
    (book,) = add_books(uow_factory, details("A", stock=50))
    _fill_cart(uow_factory, user, {book.id: 3})
    start = threading.Barrier(20)
    outcomes: list[OrderPlacement | BaseException] = []
    lock = threading.Lock()

    def attempt() -> None:
        start.wait()
        try:
            result: OrderPlacement | BaseException = place(_command(user, key="double-click"))
        except BaseException as error:  # every outcome is checked below
            result = error
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    placements = [o for o in outcomes if isinstance(o, OrderPlacement)]
    others = [o for o in outcomes if not isinstance(o, OrderPlacement)]
    assert len(outcomes) == 20
    assert all(isinstance(o, IdempotencyInFlight) for o in others), others
    assert len({p.order.id for p in placements}) == 1
    assert sum(not p.replayed for p in placements) == 1
    assert _orders_of(uow_factory, user) == 1
    assert _stock(uow_factory, book.id) == 47
