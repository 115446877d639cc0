"""Migration 0005 upgrades a store holding data from before it: every book's stock becomes
its initial movement, every order gets its `placed` entry, and the ledger reconciles."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from alembic import command
from postgres_support import create_postgres_database, drop_postgres_database, postgres_server_url
from sql_support import T0, StepClock
from sqlalchemy import insert

from bookstore.adapters.sql import SqlUnitOfWorkFactory, make_engine
from bookstore.adapters.sql.migrate import alembic_config
from bookstore.adapters.sql.tables import books, order_lines, orders, users
from bookstore.application.use_cases import CancelOrder, CancelOrderCommand
from bookstore.domain.inventory import MovementReason, Reconciliation, StockMovement
from bookstore.domain.order import OrderStatus
from bookstore.domain.order_status import ActorKind, StatusChange
from bookstore.domain.pagination import PageRequest
from bookstore.domain.user import Actor, Role


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'before.db'}"
        return
    database = create_postgres_database(postgres_server_url())
    try:
        yield database.url
    finally:
        drop_postgres_database(database)


def _book(title: str, stock: int, removed: bool = False) -> dict[str, object]:
    return {
        "title": title,
        "author": "Author",
        "genre": "Genre",
        "price_cents": 999,
        "stock": stock,
        "created_at": T0,
        "updated_at": T0,
        "removed_at": T0 + timedelta(days=1) if removed else None,
    }


def test_upgrading_gives_every_book_its_ledger_and_every_order_its_history(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    user_id, order_id, placed_at = uuid4(), uuid4(), T0 + timedelta(hours=3)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0003")
        with engine.begin() as conn:  # a store as it was before the ledger
            conn.execute(
                insert(users).values(
                    id=user_id,
                    email="ada@example.com",
                    full_name="Ada",
                    role="customer",
                    is_active=True,
                    password_hash="x",
                    created_at=T0,
                )
            )
            ids = [
                conn.execute(insert(books).values(_book(*b)).returning(books.c.id)).scalar_one()
                for b in [("Dune", 4), ("Sold out", 0), ("Gone", 2, True)]
            ]
            conn.execute(
                insert(orders).values(
                    id=order_id,
                    user_id=user_id,
                    status="placed",
                    total_cents=1998,
                    created_at=placed_at,
                )
            )
            conn.execute(
                insert(order_lines).values(
                    order_id=order_id,
                    line_no=1,
                    book_id=ids[0],
                    title="Dune",
                    unit_price_cents=999,
                    quantity=2,
                )
            )
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")

        factory = SqlUnitOfWorkFactory(engine)
        with factory(read_only=True) as uow:
            assert uow.inventory.reconcile() == Reconciliation(3, ())
            dune = uow.inventory.movements(ids[0], PageRequest())
            sold_out = uow.inventory.movements(ids[1], PageRequest())
            gone = uow.inventory.movements(ids[2], PageRequest())
            order = uow.orders.get(order_id)
            book = uow.books.get(ids[0])
        assert dune is not None
        assert sold_out is not None
        assert gone is not None
        assert dune.items == [StockMovement(ids[0], 4, MovementReason.INITIAL, T0, id=1)]
        assert sold_out.items == []
        assert [m.delta for m in gone.items] == [2]
        assert order is not None
        assert order.status_history == (
            StatusChange(OrderStatus.PLACED, placed_at, ActorKind.CUSTOMER, None, user_id),
        )
        assert (order.shipment, order.cancellation_reason) == (None, None)
        assert book is not None
        assert book.low_stock_threshold == 5

        cancel = CancelOrder(factory, StepClock(T0 + timedelta(days=2)))
        cancel(CancelOrderCommand(Actor(user_id, Role.CUSTOMER), order_id))
        with factory(read_only=True) as uow:
            assert uow.inventory.reconcile().balanced
            back = uow.books.get(ids[0])
        assert back is not None
        assert back.stock == 6, "an order from before the ledger gives its copies back too"
    finally:
        engine.dispose()
