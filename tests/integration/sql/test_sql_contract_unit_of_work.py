"""The unit of work contract, on memory, SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from sql_support import T0, add_books, details

from bookstore.application.ports import UnitOfWorkFactory


class Boom(Exception):
    pass


def test_nothing_is_kept_unless_committed(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        book = uow.books.add(details(), T0)
    with uow_factory(read_only=True) as uow:
        assert uow.books.get(book.id) is None


def test_committed_work_is_seen_by_the_next_unit_of_work(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        book = uow.books.add(details(), T0)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.books.get(book.id) == book


def test_an_error_rolls_back_and_propagates(uow_factory: UnitOfWorkFactory) -> None:
    (book,) = add_books(uow_factory, details(stock=5))

    def take_two_then_fail() -> None:
        with uow_factory() as uow:
            assert uow.books.take_stock(book.id, 2)
            raise Boom

    with pytest.raises(Boom):
        take_two_then_fail()
    with uow_factory(read_only=True) as uow:
        fresh = uow.books.get(book.id)
        assert fresh is not None
        assert fresh.stock == 5


def test_work_after_a_commit_is_rolled_back_unless_committed_again(
    uow_factory: UnitOfWorkFactory,
) -> None:
    (book,) = add_books(uow_factory, details(stock=5))
    with uow_factory() as uow:
        assert uow.books.take_stock(book.id, 1)
        uow.commit()
        assert uow.books.take_stock(book.id, 1)
    with uow_factory(read_only=True) as uow:
        fresh = uow.books.get(book.id)
        assert fresh is not None
        assert fresh.stock == 4


def test_a_read_only_unit_of_work_cannot_commit(uow_factory: UnitOfWorkFactory) -> None:
    with pytest.raises(RuntimeError), uow_factory(read_only=True) as uow:
        uow.commit()


def test_a_read_only_unit_of_work_sees_committed_data(uow_factory: UnitOfWorkFactory) -> None:
    books = add_books(uow_factory, details("A"), details("B"))
    with uow_factory(read_only=True) as uow:
        assert set(uow.books.get_many([b.id for b in books])) == {b.id for b in books}
