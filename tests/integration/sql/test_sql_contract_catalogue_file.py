"""Imports, exports and housekeeping on every storage (memory, SQLite, PostgreSQL): the same
use cases, the same answers."""

from __future__ import annotations

import io
from datetime import timedelta
from uuid import UUID, uuid4

from sql_support import a_user, add_books, add_users, details

from bookstore.adapters.clock import ManualClock
from bookstore.application.catalogue_import import OnDuplicate
from bookstore.application.ports import IdempotencyRecord, RefreshTokenRecord, UnitOfWorkFactory
from bookstore.application.use_cases import (
    ExportBooks,
    ImportBooks,
    ImportBooksCommand,
    PruneExpired,
    ReconcileInventory,
)
from bookstore.domain.pagination import PageRequest
from bookstore.domain.user import Actor, Role

ADMIN = Actor(UUID(int=1), Role.ADMIN)
HEADER = "title,author,genre,price,stock,isbn,low_stock_threshold"


def test_an_import_creates_updates_and_exports_the_same_on_every_storage(
    uow_factory: UnitOfWorkFactory,
) -> None:
    (dune,) = add_books(uow_factory, details("Dune", stock=3, isbn="9780141439518"))
    clock = ManualClock()
    text = (
        f"{HEADER}\nDune II,F,SF,9.99,50,9780141439518,\n"
        + "".join(f"Book {n},A,G,1.00,{n},,{n % 3}\n" for n in range(250))
        + "Bad,A,G,0,1,,\n"
    )
    command = ImportBooksCommand(
        ADMIN, io.StringIO(text), on_duplicate=OnDuplicate.UPDATE, batch_rows=100
    )

    report = ImportBooks(uow_factory, clock)(command)

    assert (report.created, report.updated, report.failed) == (250, 1, 1)
    assert ReconcileInventory(uow_factory)(ADMIN).balanced
    exported = list(ExportBooks(uow_factory, page_rows=60)(ADMIN))
    assert len(exported) == 251
    assert [b.id for b in exported] == sorted(b.id for b in exported)
    assert (exported[0].id, exported[0].title, exported[0].stock) == (dune.id, "Dune II", 50)
    assert [b.low_stock_threshold for b in exported[1:4]] == [0, 1, 2]
    with uow_factory(read_only=True) as uow:
        page = uow.inventory.movements(dune.id, PageRequest(1, 10))
    assert page is not None
    moves = sorted(page.items, key=lambda m: m.id or 0)
    assert [(m.reason.value, m.delta) for m in moves] == [("initial", 3), ("import", 47)]


def test_a_dry_run_writes_nothing_on_every_storage(uow_factory: UnitOfWorkFactory) -> None:
    add_books(uow_factory, details("Dune", stock=3, isbn="9780141439518"))
    text = f"{HEADER}\nDune II,F,SF,9.99,50,9780141439518,\nNew,A,G,1.00,1,,\n"
    command = ImportBooksCommand(
        ADMIN, io.StringIO(text), dry_run=True, on_duplicate=OnDuplicate.UPDATE
    )

    report = ImportBooks(uow_factory, ManualClock())(command)

    assert (report.created, report.updated) == (1, 1)
    assert [(b.title, b.stock) for b in ExportBooks(uow_factory)(ADMIN)] == [("Dune", 3)]


def test_prune_deletes_only_what_expired_on_every_storage(uow_factory: UnitOfWorkFactory) -> None:
    clock = ManualClock()
    now = clock.now()
    user = a_user()
    add_users(uow_factory, user)
    order_id = _an_order(uow_factory, user.id)
    hour = timedelta(hours=1)
    with uow_factory() as uow:
        uow.sessions.revoke_access_token("old", now - hour)
        uow.sessions.revoke_access_token("live", now + hour)
        for token, expires, used, revoked in [
            ("expired", now - hour, None, None), ("revoked", now + hour, None, now),
            ("used", now + hour, now, None), ("live", now + hour, None, None),
        ]:  # fmt: skip
            record = RefreshTokenRecord(token, "f", user.id, expires, used, revoked)
            uow.sessions.add_refresh_token(record)
        for key, age in (("stale", timedelta(hours=25)), ("fresh", timedelta(hours=23))):
            uow.idempotency.save(IdempotencyRecord(user.id, key, "fp", order_id, now - age))
        uow.commit()

    report = PruneExpired(uow_factory, clock)()

    assert dict(report.counts) == {
        "revoked_access_tokens": 1, "refresh_tokens": 2, "idempotency_keys": 1,
        "delivered_events": 0,
    }  # fmt: skip
    with uow_factory(read_only=True) as uow:
        assert uow.sessions.is_access_token_revoked("live")
        assert uow.sessions.get_refresh_token("used") is not None
        assert uow.sessions.get_refresh_token("expired") is None
        assert uow.idempotency.find(user.id, "fresh", now - timedelta(days=2)) is not None
    assert PruneExpired(uow_factory, clock)().total == 0


def _an_order(factory: UnitOfWorkFactory, user_id: UUID) -> UUID:
    from bookstore.application.use_cases import PlaceOrder, PlaceOrderCommand
    from bookstore.domain.cart import Cart

    (book,) = add_books(factory, details("Order me", stock=5))
    with factory() as uow:
        uow.carts.save(Cart(user_id, {book.id: 1}))
        uow.commit()

    class Ids:
        def new_id(self) -> UUID:
            return uuid4()

        def new_token_id(self) -> str:
            return uuid4().hex

    order = PlaceOrder(factory, ManualClock(), Ids())(
        PlaceOrderCommand(Actor(user_id, Role.CUSTOMER))
    )
    return order.id
