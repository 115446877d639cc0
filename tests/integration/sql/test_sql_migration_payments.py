"""Migration 0006 upgrades a store holding orders from before payments: paid ones show
`paid`, cancelled ones that had been paid `refunded`, the rest `unpaid` (and may be paid)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from alembic import command
from postgres_support import create_postgres_database, drop_postgres_database, postgres_server_url
from sql_support import T0
from sqlalchemy import insert

from bookstore.adapters.sql import SqlUnitOfWorkFactory, make_engine
from bookstore.adapters.sql.migrate import alembic_config
from bookstore.adapters.sql.tables import order_status_history, orders, users
from bookstore.domain.payment import OrderPaymentStatus

_users, _orders, _history = users, orders, order_status_history


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


def test_upgrading_gives_every_order_its_payment_status(database_url: str) -> None:
    engine = make_engine(database_url)
    user_id = uuid4()
    paths = {
        "placed": ["placed"],
        "shipped": ["placed", "paid", "shipped"],
        "cancelled unpaid": ["placed", "cancelled"],
        "cancelled paid": ["placed", "paid", "cancelled"],
    }
    ids = {name: uuid4() for name in paths}
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0005")
        with engine.begin() as conn:
            conn.execute(
                insert(_users).values(
                    id=user_id,
                    email="ada@example.com",
                    full_name="Ada",
                    role="customer",
                    is_active=True,
                    password_hash="x",
                    created_at=T0,
                )
            )
            for name, path in paths.items():
                conn.execute(
                    insert(_orders).values(
                        id=ids[name],
                        user_id=user_id,
                        status=path[-1],
                        total_cents=100,
                        created_at=T0,
                    )
                )
                for n, status in enumerate(path, start=1):
                    conn.execute(
                        insert(_history).values(
                            order_id=ids[name],
                            position=n,
                            status=status,
                            actor="admin",
                            at=T0 + timedelta(minutes=n),
                        )
                    )
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")

        factory = SqlUnitOfWorkFactory(engine)
        with factory(read_only=True) as uow:
            found = {name: uow.orders.get(order_id) for name, order_id in ids.items()}
        statuses = {name: order.payment_status for name, order in found.items() if order}
        assert statuses == {
            "placed": OrderPaymentStatus.UNPAID,
            "shipped": OrderPaymentStatus.PAID,
            "cancelled unpaid": OrderPaymentStatus.UNPAID,
            "cancelled paid": OrderPaymentStatus.REFUNDED,
        }
        with factory() as uow:
            assert uow.payments.claim_order(ids["placed"])
            assert not uow.payments.claim_order(ids["shipped"])
            uow.commit()
    finally:
        engine.dispose()
