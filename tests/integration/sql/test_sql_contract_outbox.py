"""The outbox on every storage (§14): events exist exactly when their change committed;
deliveries are claimed by one holder at a time, retaken when a claim runs out, and written
only by the claim that holds them."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from uuid import uuid4

import pytest
from sql_support import (
    T0,
    Backend,
    RandomIds,
    StepClock,
    a_user,
    add_books,
    add_users,
    details,
    recorded_statements,
)

from bookstore.adapters.sql import SqlUnitOfWorkFactory
from bookstore.application.outbox import NewDelivery
from bookstore.application.ports import UnitOfWorkFactory
from bookstore.application.use_cases import AdjustStock, AdjustStockCommand, PlaceOrder
from bookstore.application.use_cases.place_order import PlaceOrderCommand
from bookstore.domain.cart import Cart
from bookstore.domain.errors import InsufficientStock
from bookstore.domain.events import Channel, DeliveryStatus, EventType, WebhookEndpoint
from bookstore.domain.pagination import PageRequest
from bookstore.domain.user import Actor, Role

ADMIN = Actor(uuid4(), Role.ADMIN)


def _customer(factory: UnitOfWorkFactory) -> Actor:
    user = a_user(f"{uuid4().hex[:8]}@example.com")
    add_users(factory, user)
    return Actor(user.id, Role.CUSTOMER)


def _place(factory: UnitOfWorkFactory, actor: Actor, book_id: int, quantity: int) -> None:
    with factory() as uow:
        uow.carts.save(Cart(actor.user_id, {book_id: quantity}))
        uow.commit()
    PlaceOrder(factory, StepClock(), RandomIds())(PlaceOrderCommand(actor))


def _fan_out(factory: UnitOfWorkFactory, channel: Channel = Channel.EMAIL) -> list[str]:
    with factory() as uow:
        events = uow.deliveries.undispatched(100)
        deliveries = [
            NewDelivery(e.id, e.type, channel, recipient="ada@example.com") for e in events
        ]
        uow.deliveries.dispatch([e.id for e in events], deliveries, T0)
        uow.commit()
    return [e.type.value for e in events]


def test_events_are_written_with_their_change_and_only_if_it_commits(
    uow_factory: UnitOfWorkFactory,
) -> None:
    (book,) = add_books(uow_factory, details(stock=6))
    ada = _customer(uow_factory)
    _place(uow_factory, ada, book.id, 2)  # 6 -> 4: at or below the threshold of 5

    with uow_factory() as uow:  # an order refused for its stock: rolled back, no event
        uow.carts.save(Cart(ada.user_id, {book.id: 99}))
        uow.commit()
    with pytest.raises(InsufficientStock):
        PlaceOrder(uow_factory, StepClock(), RandomIds())(PlaceOrderCommand(ada))
    with uow_factory(read_only=True) as uow:
        events = uow.deliveries.undispatched(10)
    assert [e.type for e in events] == [EventType.ORDER_PLACED, EventType.BOOK_LOW_STOCK]
    assert events[0].notify == (ada.user_id,)
    assert events[1].data == {"id": book.id}  # storage alone shows subjects by id


def test_a_restock_takes_the_waiting_list_in_the_order_customers_joined(
    uow_factory: UnitOfWorkFactory,
) -> None:
    (book,) = add_books(uow_factory, details(stock=0))
    first, second = _customer(uow_factory), _customer(uow_factory)
    with uow_factory() as uow:
        assert uow.waitlist.join(second.user_id, book.id, T0)
        assert uow.waitlist.join(first.user_id, book.id, T0 + timedelta(seconds=1))
        assert not uow.waitlist.join(second.user_id, book.id, T0 + timedelta(seconds=2))
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert [b.id for b in uow.waitlist.books_of(first.user_id, PageRequest()).items] == [
            book.id
        ]

    AdjustStock(uow_factory, StepClock())(AdjustStockCommand(ADMIN, book.id, 3, "delivery"))

    with uow_factory(read_only=True) as uow:
        (event,) = uow.deliveries.undispatched(10)
        assert uow.waitlist.books_of(first.user_id, PageRequest()).total == 0
    assert event.type is EventType.BOOK_BACK_IN_STOCK
    assert event.notify == (second.user_id, first.user_id)


def test_a_delivery_has_one_holder_until_its_claim_runs_out(
    uow_factory: UnitOfWorkFactory,
) -> None:
    (book,) = add_books(uow_factory, details(stock=10))
    _place(uow_factory, _customer(uow_factory), book.id, 1)
    assert _fan_out(uow_factory) == ["order.placed"]
    until = T0 + timedelta(minutes=2)

    with uow_factory() as uow:
        (held,) = uow.deliveries.claim(T0, until, 10, "first")
        assert uow.deliveries.claim(T0, until, 10, "second") == []
        uow.commit()
    with uow_factory() as uow:
        assert uow.deliveries.claim(T0 + timedelta(minutes=1), until, 10, "second") == []
        (retaken,) = uow.deliveries.claim(until, until + timedelta(minutes=2), 10, "second")
        uow.commit()
    assert retaken.delivery.id == held.delivery.id
    assert retaken.event.type is EventType.ORDER_PLACED

    done = held.delivery.succeeded(None)
    with uow_factory() as uow:
        assert not uow.deliveries.finish(done, "first")  # its claim ran out: not its to write
        assert uow.deliveries.finish(done, "second")
        uow.commit()
    with uow_factory() as uow:
        assert uow.deliveries.claim(until + timedelta(hours=1), until, 10, "third") == []
        assert not uow.deliveries.retry_now(done.id, T0)  # succeeded: not again
        found = uow.deliveries.get(done.id)
    assert found is not None
    assert found.status is DeliveryStatus.SUCCEEDED


def test_webhook_endpoints_and_their_deliveries_newest_first(
    uow_factory: UnitOfWorkFactory,
) -> None:
    endpoint = WebhookEndpoint(
        uuid4(), "https://example.com/hook", (EventType.ORDER_PLACED,), "whsec_x", T0, T0, "crm"
    )
    with uow_factory() as uow:
        uow.webhooks.add(endpoint)
        uow.commit()
    (book,) = add_books(uow_factory, details(stock=10))
    ada = _customer(uow_factory)
    _place(uow_factory, ada, book.id, 1)
    _place(uow_factory, ada, book.id, 1)
    with uow_factory() as uow:
        events = uow.deliveries.undispatched(10)
        hooks = [NewDelivery(e.id, e.type, Channel.WEBHOOK, endpoint.id) for e in events]
        uow.deliveries.dispatch([e.id for e in events], hooks, T0)
        uow.commit()

    with uow_factory(read_only=True) as uow:
        assert uow.webhooks.get(endpoint.id) == endpoint
        assert uow.webhooks.active() == [endpoint]
        page = uow.deliveries.of_endpoint(endpoint.id, PageRequest(1, 1))
    assert page.total == 2
    assert page.items[0].event_id == events[1].id  # newest first
    with uow_factory() as uow:
        (first, _) = uow.deliveries.claim(T0, T0 + timedelta(minutes=1), 10, "c")
        assert first.endpoint == endpoint
        uow.commit()
    with uow_factory() as uow:
        assert uow.webhooks.remove(endpoint.id)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.webhooks.get(endpoint.id) is None
        assert uow.deliveries.of_endpoint(endpoint.id, PageRequest()).total == 0


def test_pruning_keeps_events_whose_deliveries_are_not_over(
    uow_factory: UnitOfWorkFactory,
) -> None:
    (book,) = add_books(uow_factory, details(stock=10))
    ada = _customer(uow_factory)
    _place(uow_factory, ada, book.id, 1)
    _place(uow_factory, ada, book.id, 1)
    _fan_out(uow_factory)
    with uow_factory() as uow:
        (held, _) = uow.deliveries.claim(T0, T0 + timedelta(minutes=1), 10, "c")
        uow.deliveries.finish(held.delivery.succeeded(None), "c")
        uow.commit()
    later = T0 + timedelta(days=400)
    with uow_factory() as uow:
        assert uow.deliveries.prune_delivered(later) == 1
        assert uow.deliveries.get(held.delivery.id) is None
        uow.commit()
    with uow_factory() as uow:
        assert uow.deliveries.prune_delivered(later) == 0
        (left,) = uow.deliveries.claim(later, later, 10, "d")
    assert left.delivery.status is DeliveryStatus.PENDING


def test_pending_counts_events_not_fanned_out_and_those_with_a_delivery_still_to_make(
    uow_factory: UnitOfWorkFactory,
) -> None:
    def pending() -> int:
        with uow_factory(read_only=True) as uow:
            return uow.deliveries.pending()

    (book,) = add_books(uow_factory, details(stock=10))
    ada = _customer(uow_factory)
    _place(uow_factory, ada, book.id, 1)
    _place(uow_factory, ada, book.id, 1)
    before = pending()
    _fan_out(uow_factory)
    fanned_out = pending()
    with uow_factory() as uow:
        (held, _) = uow.deliveries.claim(T0, T0 + timedelta(minutes=1), 10, "c")
        uow.deliveries.finish(held.delivery.succeeded(None), "c")
        uow.commit()

    assert (before, fanned_out, pending()) == (2, 2, 1)


def test_an_order_pays_one_insert_for_its_event_and_nothing_else(sql_backend: Backend) -> None:
    factory = sql_backend.factory
    (book,) = add_books(factory, details(stock=100))
    ada = _customer(factory)
    _place(factory, ada, book.id, 1)  # warm: statements prepared, caches filled
    with factory() as uow:
        uow.carts.save(Cart(ada.user_id, {book.id: 1}))
        uow.commit()

    with recorded_statements(sql_backend.engine) as seen:
        # A new factory: its connections are checked out (and so watched) afresh.
        fresh = SqlUnitOfWorkFactory(sql_backend.engine)
        PlaceOrder(fresh, StepClock(), RandomIds())(PlaceOrderCommand(ada))

    assert any("order_lines" in s.lower() for s, _ in seen)  # the order was seen being written
    touching_events = [s for s, _ in seen if "events" in s.lower()]
    assert len(touching_events) == 1
    assert touching_events[0].lstrip().upper().startswith("INSERT INTO EVENTS")


def test_workers_claiming_at_the_same_moment_never_share_a_delivery(
    sql_backend: Backend,
) -> None:
    factory = sql_backend.factory
    (book,) = add_books(factory, details(stock=100))
    ada = _customer(factory)
    for _ in range(12):
        _place(factory, ada, book.id, 1)
    _fan_out(factory)  # 12 deliveries: 4 claims of at most 5 share them out
    start = threading.Barrier(4)

    def claim(token: str) -> list[int]:
        start.wait()
        with factory() as uow:
            held = uow.deliveries.claim(T0, T0 + timedelta(minutes=1), 5, token)
            uow.commit()
        return [h.delivery.id for h in held]

    with ThreadPoolExecutor(4) as pool:
        shares = list(pool.map(claim, ["a", "b", "c", "d"]))

    taken = [delivery for share in shares for delivery in share]
    assert len(taken) == len(set(taken)) == 12
