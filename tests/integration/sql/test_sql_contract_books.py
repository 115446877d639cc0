"""The book repository contract (everything but search), on every storage."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from sql_support import T0, a_user, add_books, add_users, details

from bookstore.application.ports import UnitOfWorkFactory
from bookstore.application.queries import BookQuery
from bookstore.domain.book import BookChanges
from bookstore.domain.errors import DuplicateIsbn, InvalidInput
from bookstore.domain.money import Money
from bookstore.domain.order import Order, OrderLine, OrderStatus

ISBN = "9780441013593"


def test_a_book_keeps_every_field(uow_factory: UnitOfWorkFactory) -> None:
    full = details(
        "Les Misérables",
        author="Victor Hugo",
        genre="Classic",
        price="12.50",
        stock=3,
        isbn="0-441-01359-7",
        description="Line one.\nLine two.",
        published_year=1862,
    )
    with uow_factory() as uow:
        book = uow.books.add(full, T0)
        uow.commit()
    assert book.id > 0
    with uow_factory(read_only=True) as uow:
        stored = uow.books.get(book.id)
    assert stored == book
    assert stored.details == full
    assert stored.details.isbn is not None
    assert stored.details.isbn.value == ISBN
    assert stored.created_at == T0
    assert stored.created_at.utcoffset() == timedelta(0)


def test_books_get_increasing_ids(uow_factory: UnitOfWorkFactory) -> None:
    first, second = add_books(uow_factory, details("A"), details("B"))
    assert second.id > first.id


def test_get_many_leaves_out_unknown_ids(uow_factory: UnitOfWorkFactory) -> None:
    a, b = add_books(uow_factory, details("A"), details("B"))
    with uow_factory(read_only=True) as uow:
        found = uow.books.get_many([a.id, b.id, 999_999])
        assert uow.books.get_many([]) == {}
    assert found == {a.id: a, b.id: b}


def test_a_duplicate_isbn_is_refused_on_add(uow_factory: UnitOfWorkFactory) -> None:
    add_books(uow_factory, details("A", isbn=ISBN))
    with pytest.raises(DuplicateIsbn) as raised, uow_factory() as uow:
        uow.books.add(details("B", isbn="0441013597"), T0)
    assert raised.value.isbn == ISBN


def test_a_duplicate_isbn_is_refused_on_update(uow_factory: UnitOfWorkFactory) -> None:
    _, b = add_books(uow_factory, details("A", isbn=ISBN), details("B"))
    with uow_factory() as uow:
        book = uow.books.lock([b.id])[b.id]
        book.apply(BookChanges(isbn=ISBN), T0)
        with pytest.raises(DuplicateIsbn):
            uow.books.update(book)


def test_books_without_isbn_do_not_clash(uow_factory: UnitOfWorkFactory) -> None:
    assert len(add_books(uow_factory, details("A"), details("B"))) == 2


def test_update_writes_the_details(uow_factory: UnitOfWorkFactory) -> None:
    (book,) = add_books(uow_factory, details("Old", stock=5))
    later = T0 + timedelta(days=1)
    with uow_factory() as uow:
        locked = uow.books.lock([book.id])[book.id]
        locked.apply(BookChanges(title="New", price="1.25", stock=8, isbn=ISBN), later)
        uow.books.update(locked)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        stored = uow.books.get(book.id)
    assert stored is not None
    assert (stored.title, stored.price, stored.stock) == ("New", Money(125), 8)
    assert stored.details.isbn is not None
    assert stored.updated_at == later
    assert stored.created_at == book.created_at


def test_take_stock_takes_only_what_is_there(uow_factory: UnitOfWorkFactory) -> None:
    (book,) = add_books(uow_factory, details(stock=3))
    with uow_factory() as uow:
        assert uow.books.take_stock(book.id, 2)
        assert not uow.books.take_stock(book.id, 2)
        assert uow.books.take_stock(book.id, 1)
        assert not uow.books.take_stock(book.id, 1)
        assert not uow.books.take_stock(999_999, 1)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.books.get(book.id).stock == 0  # type: ignore[union-attr]


def test_add_stock_adds_atomically_and_returns_the_book(uow_factory: UnitOfWorkFactory) -> None:
    (book,) = add_books(uow_factory, details(stock=3))
    later = T0 + timedelta(hours=1)
    with uow_factory() as uow:
        restocked = uow.books.add_stock(book.id, 4, later)
        assert uow.books.add_stock(999_999, 4, later) is None
        uow.commit()
    assert restocked is not None
    assert (restocked.stock, restocked.updated_at) == (7, later)
    with uow_factory(read_only=True) as uow:
        assert uow.books.get(book.id) == restocked


def test_lock_returns_fresh_books_in_catalogue(uow_factory: UnitOfWorkFactory) -> None:
    a, b, c = add_books(uow_factory, details("A", stock=5), details("B"), details("C"))
    with uow_factory() as uow:
        assert uow.books.take_stock(a.id, 2)
        uow.books.remove(c.id, T0)
        locked = uow.books.lock([c.id, b.id, a.id, 999_999])
        assert list(locked) == [a.id, b.id]
        assert locked[a.id].stock == 3
        assert uow.books.lock([]) == {}


def test_lock_takes_a_full_cart_of_books_in_id_order(uow_factory: UnitOfWorkFactory) -> None:
    """More books than one statement binds on the SQLite fast path (100), as a full cart
    may hold: all come back, fresh and in ascending id order."""
    added = add_books(uow_factory, *(details(f"Book {n}", stock=2) for n in range(130)))
    ids = [book.id for book in reversed(added)]
    with uow_factory() as uow:
        assert uow.books.take_stock(ids[0], 1)
        locked = uow.books.lock(ids)
    assert list(locked) == sorted(ids)
    assert locked[ids[0]].stock == 1
    assert all(locked[book.id] == book for book in added[:-1])


def test_a_removed_book_leaves_the_catalogue(uow_factory: UnitOfWorkFactory) -> None:
    a, b = add_books(uow_factory, details("Gone", isbn=ISBN), details("Kept"))
    with uow_factory() as uow:
        assert uow.books.remove(a.id, T0 + timedelta(days=1))
        assert not uow.books.remove(a.id, T0)
        assert not uow.books.remove(999_999, T0)
        uow.commit()
    with uow_factory() as uow:
        assert uow.books.get(a.id) is None
        assert uow.books.get_many([a.id, b.id]) == {b.id: b}
        assert uow.books.lock([a.id]) == {}
        assert not uow.books.take_stock(a.id, 1)
        assert uow.books.add_stock(a.id, 1, T0) is None
        assert [x.id for x in uow.books.search(BookQuery()).items] == [b.id]
        assert uow.books.search(BookQuery(text="gone")).total == 0
        again = uow.books.add(details("Back", isbn=ISBN), T0)  # its ISBN is free again
        assert again.id not in (a.id, b.id)


def test_past_orders_keep_lines_of_removed_books(uow_factory: UnitOfWorkFactory) -> None:
    user = a_user()
    add_users(uow_factory, user)
    (book,) = add_books(uow_factory, details("Gone", price="4.00"))
    line = OrderLine(book.id, "Gone", Money(400), 2)
    order = Order(uuid4(), user.id, OrderStatus.PLACED, (line,), T0)
    with uow_factory() as uow:
        uow.orders.add(order)
        uow.books.remove(book.id, T0)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert uow.orders.get(order.id) == order


@pytest.mark.parametrize("quantity", [0, -3])
def test_stock_moves_of_no_copies_or_fewer_are_refused(
    uow_factory: UnitOfWorkFactory, quantity: int
) -> None:
    (book,) = add_books(uow_factory, details(stock=5))
    with uow_factory() as uow:
        with pytest.raises(InvalidInput):
            uow.books.take_stock(book.id, quantity)
        with pytest.raises(InvalidInput):
            uow.books.add_stock(book.id, quantity, T0)
        assert uow.books.get(book.id).stock == 5  # type: ignore[union-attr]


def test_a_book_changed_by_its_reader_leaves_the_stored_one_alone(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """Reads of an unchanged row share its immutable parts; the entity itself is the
    caller's own, so changing it (without saving) changes no later read."""
    (book,) = add_books(uow_factory, details("Emma", stock=4))
    with uow_factory(read_only=True) as uow:
        mine = uow.books.get(book.id)
        assert mine is not None
    mine.apply(BookChanges(title="Not Emma"), T0 + timedelta(days=1))
    mine.take_stock(1)
    with uow_factory(read_only=True) as uow:
        again = uow.books.get(book.id)
        listed = uow.books.search(BookQuery()).items
    assert again == book
    assert listed == [book]
