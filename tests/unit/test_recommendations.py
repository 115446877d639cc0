"""Also-bought, recommendations and genre facets (§15) over the in-memory store."""

from __future__ import annotations

import pytest

from bookstore.application.queries import BookQuery
from bookstore.application.use_cases.cancel_order import CancelOrderCommand
from bookstore.application.use_cases.recommend_books import AlsoBoughtQuery, RecommendBooksCommand
from bookstore.domain.errors import BookNotFound, InvalidInput
from bookstore.domain.pagination import PageRequest

from .review_support import buyer, paid, review
from .support import Shop


def test_also_bought_ranks_books_by_shared_orders_and_ignores_cancelled_ones() -> None:
    shop = Shop.open()
    dune, emma, zola, atlas = (shop.book(t) for t in ["Dune", "Emma", "Zola", "Atlas"])
    buyer(shop, dune, zola)
    buyer(shop, dune, zola, emma)
    customer = shop.customer()
    order = shop.order(customer, (dune, 1), (atlas, 1))
    shop.app.cancel_order()(CancelOrderCommand(customer, order.id))
    found = shop.app.also_bought()(AlsoBoughtQuery(dune.id))
    assert [b.title for b in found] == ["Zola", "Emma"]
    with pytest.raises(BookNotFound):
        shop.app.also_bought()(AlsoBoughtQuery(999))


@pytest.mark.parametrize("limit", [0, 51, True])
def test_a_limit_outside_1_to_50_is_refused(limit: int) -> None:
    with pytest.raises(InvalidInput):
        AlsoBoughtQuery(1, limit)


def test_recommendations_are_books_bought_with_mine_in_stock_and_not_mine() -> None:
    shop = Shop.open()
    mine, together, best, good, empty = (
        shop.book(t, stock=0 if t == "Empty" else 5)
        for t in ["Mine", "Together", "Best", "Good", "Empty"]
    )
    me = shop.customer()
    paid(shop, shop.order(me, (mine, 1)))
    critic = buyer(shop, mine, together, best, good)
    review(shop, critic, best, 5)
    review(shop, critic, good, 4)
    review(shop, critic, mine, 5)
    shop.book("Other")
    found = shop.app.recommend_books()(RecommendBooksCommand(me, limit=5))
    assert [b.title for b in found] == ["Best", "Good", "Together", "Other"]  # then top-rated
    assert empty.id not in {b.id for b in found}


def test_a_customer_who_bought_nothing_gets_the_top_rated_books() -> None:
    shop = Shop.open()
    low, high = shop.book("Low"), shop.book("High")
    critic = buyer(shop, low, high)
    review(shop, critic, low, 2)
    review(shop, critic, high, 5)
    found = shop.app.recommend_books()(RecommendBooksCommand(shop.customer(), limit=2))
    assert [b.title for b in found] == ["High", "Low"]


def test_genre_facets_count_every_match_not_only_the_page() -> None:
    shop = Shop.open()
    for title, genre in [("Dune", "SF"), ("Dune II", "sf"), ("Emma", "Classic")]:
        shop.book(title, genre=genre)
    faceted = shop.app.search_books_with_facets()(BookQuery(page=PageRequest(1, 1)))
    assert len(faceted.page.items) == 1
    assert [(f.value, f.count) for f in faceted.genres] == [("SF", 2), ("Classic", 1)]
