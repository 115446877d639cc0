"""What customers bought together (§15), on every storage."""

from __future__ import annotations

from review_support import customers, ordered
from sql_support import T0, add_books, details

from bookstore.application.ports import UnitOfWorkFactory
from bookstore.domain.book import Book
from bookstore.domain.order import OrderStatus
from bookstore.domain.review import RatingChange


def _titles(books: list[Book]) -> list[str]:
    return [book.title for book in books]


def test_also_bought_counts_orders_not_cancelled_most_first_ties_by_title(
    uow_factory: UnitOfWorkFactory,
) -> None:
    dune, emma, zola, atlas, gone, solo = add_books(
        uow_factory, *(details(t) for t in ["Dune", "Emma", "Zola", "Atlas", "Gone", "Solo"])
    )
    a, b, c = customers(uow_factory, 3)
    ordered(uow_factory, a, [dune, emma, zola])
    ordered(uow_factory, b, [dune, zola, gone], OrderStatus.PLACED)
    ordered(uow_factory, c, [dune, atlas])
    ordered(uow_factory, c, [dune, emma, atlas, solo], OrderStatus.CANCELLED)
    with uow_factory() as uow:
        uow.books.remove(gone.id, T0)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        assert _titles(uow.co_purchases.also_bought(dune.id, 10)) == ["Zola", "Atlas", "Emma"]
        assert _titles(uow.co_purchases.also_bought(dune.id, 1)) == ["Zola"]
        assert _titles(uow.co_purchases.also_bought(solo.id, 10)) == []


def test_recommendations_are_bought_with_mine_in_stock_and_not_mine(
    uow_factory: UnitOfWorkFactory,
) -> None:
    titles = ["Dune", "Emma", "Zola", "Atlas", "Empty", "Mine"]
    dune, emma, zola, atlas, empty, mine = add_books(
        uow_factory, *(details(t, stock=0 if t == "Empty" else 5) for t in titles)
    )
    me, a, b = customers(uow_factory, 3)
    ordered(uow_factory, me, [dune, mine])
    ordered(uow_factory, me, [emma], OrderStatus.CANCELLED)  # not bought
    ordered(uow_factory, a, [dune, emma, empty, mine])
    ordered(uow_factory, b, [dune, zola])
    ordered(uow_factory, b, [mine, zola, atlas])
    with uow_factory(read_only=True) as uow:
        found = uow.co_purchases.bought_with_mine(me, 10)
    # Zola: with Dune once and with Mine once; Emma: with Dune and Mine in one order (2);
    # Atlas: with Mine once.
    assert _titles(found) == ["Emma", "Zola", "Atlas"]


def test_top_rated_unbought_leaves_out_what_the_caller_bought_and_the_excluded(
    uow_factory: UnitOfWorkFactory,
) -> None:
    titles = ["Best", "Good", "Bought", "Unrated", "Empty", "Excluded"]
    books = add_books(uow_factory, *(details(t, stock=0 if t == "Empty" else 5) for t in titles))
    best, good, bought, _, empty, excluded = books
    (me,) = customers(uow_factory, 1)
    ordered(uow_factory, me, [bought], OrderStatus.DELIVERED)
    with uow_factory() as uow:
        for book, stars in [(best, 5), (good, 4), (bought, 5), (empty, 5), (excluded, 5)]:
            uow.books.change_rating(book.id, RatingChange.added(stars))
        uow.commit()
    with uow_factory(read_only=True) as uow:
        found = uow.co_purchases.top_rated_unbought(me, 10, excluding=[excluded.id])
        first = uow.co_purchases.top_rated_unbought(me, 1, excluding=[excluded.id])
    assert _titles(found) == ["Best", "Good", "Unrated"]
    assert _titles(first) == ["Best"]
