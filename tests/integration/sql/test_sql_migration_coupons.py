"""Migration 0009 upgrades a store holding carts and orders from before coupons: each cart
line is quoted at its book's price then (no price-change notice), and orders carried none."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from alembic import command
from postgres_support import create_postgres_database, drop_postgres_database, postgres_server_url
from sql_support import T0
from sqlalchemy import insert

from bookstore.adapters.sql import SqlUnitOfWorkFactory, make_engine
from bookstore.adapters.sql.migrate import alembic_config
from bookstore.adapters.sql.tables import books, cart_lines, order_lines, orders, users
from bookstore.domain.cart import Cart
from bookstore.domain.money import Money


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


def test_upgrading_quotes_every_cart_line_and_leaves_orders_without_coupons(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    user_id, order_id = uuid4(), uuid4()
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0007")
        with engine.begin() as conn:
            conn.execute(
                insert(users).values(
                    id=user_id, email="ada@example.com", full_name="Ada", role="customer",
                    is_active=True, password_hash="x", created_at=T0,
                )
            )  # fmt: skip
            book_id = conn.execute(
                insert(books)
                .values(
                    title="Dune", author="Frank Herbert", genre="Fiction", title_key="dune",
                    author_key="frank herbert", genre_key="fiction", price_cents=1299,
                    stock=3, created_at=T0, updated_at=T0,
                )
                .returning(books.c.id)
            ).scalar_one()  # fmt: skip
            conn.execute(
                insert(cart_lines).values(user_id=user_id, book_id=book_id, quantity=2, position=0)
            )
            conn.execute(
                insert(orders).values(
                    id=order_id, user_id=user_id, status="placed", total_cents=1299,
                    created_at=T0,
                )
            )  # fmt: skip
            conn.execute(
                insert(order_lines).values(
                    order_id=order_id, line_no=1, book_id=book_id, title="Dune",
                    unit_price_cents=1299, quantity=1,
                )
            )  # fmt: skip
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
        factory = SqlUnitOfWorkFactory(engine)
        with factory(read_only=True) as uow:
            cart = uow.carts.get(user_id)
            order = uow.orders.get(order_id)
    finally:
        engine.dispose()
    assert cart == Cart(user_id, {book_id: 2}, {book_id: Money(1299)})
    assert order is not None
    assert (order.coupons, order.discount, order.total) == ((), Money(0), Money(1299))
