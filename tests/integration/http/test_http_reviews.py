"""Reviews, ratings, also-bought, recommendations and genre facets over HTTP (§15)."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from http_support import Api, Session, assert_problem, error_fields


def _bought(api: Api, admin: Session, buyer: Session, *book_ids: int) -> str:
    """The buyer orders one copy of each book and an admin records the payment."""
    for book_id in book_ids:
        api.fill_cart(buyer, book_id)
    placed = api.client.post("/api/orders", headers=buyer.headers)
    assert placed.status_code == 201, placed.text
    order_id: str = placed.json()["id"]
    paid = api.client.post(
        f"/api/admin/orders/{order_id}/status", json={"status": "paid"}, headers=admin.headers
    )
    assert paid.status_code == 200, paid.text
    return order_id


def _review(api: Api, session: Session, book_id: int, **body: Any) -> Any:
    return api.client.post(f"/api/books/{book_id}/reviews", json=body, headers=session.headers)


def _book(api: Api, book_id: int) -> dict[str, Any]:
    found: dict[str, Any] = api.client.get(f"/api/books/{book_id}").json()
    return found


def test_a_purchaser_reviews_once_and_the_book_shows_its_rating(
    api: Api, admin: Session, customer: Session
) -> None:
    book = api.add_book(admin)
    assert book["rating"] == {"average": None, "count": 0}
    assert_problem(_review(api, customer, book["id"], rating=5), 403, "not-a-purchaser")
    _bought(api, admin, customer, book["id"])

    created = _review(api, customer, book["id"], rating=4, title="Sandy", body="Long.\nGood.")
    assert created.status_code == 201, created.text
    review = created.json()
    assert review["rating"] == 4
    assert (review["title"], review["body"]) == ("Sandy", "Long.\nGood.")
    assert review["author_name"] == "A reader"
    assert review["verified_purchase"] is True
    assert review["book_id"] == book["id"]
    assert review["created_at"].endswith("Z")
    assert_problem(_review(api, customer, book["id"], rating=1), 409, "already-reviewed")

    assert _book(api, book["id"])["rating"] == {"average": "4.00", "count": 1}
    listed = api.client.get(f"/api/books/{book['id']}/reviews").json()
    assert (listed["total"], [r["id"] for r in listed["items"]]) == (1, [review["id"]])


def test_the_reviewer_replaces_and_deletes_their_review(
    api: Api, admin: Session, customer: Session
) -> None:
    book = api.add_book(admin)
    other = api.customer()
    _bought(api, admin, customer, book["id"])
    _bought(api, admin, other, book["id"])
    assert _review(api, customer, book["id"], rating=5).status_code == 201
    assert _review(api, other, book["id"], rating=2).status_code == 201
    mine = f"/api/books/{book['id']}/reviews/mine"

    replaced = api.client.put(
        mine, json={"rating": 3, "body": "On reflection"}, headers=other.headers
    )
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["rating"], replaced.json()["title"]) == (3, None)
    assert _book(api, book["id"])["rating"] == {"average": "4.00", "count": 2}

    assert api.client.delete(mine, headers=other.headers).status_code == 204
    assert _book(api, book["id"])["rating"] == {"average": "5.00", "count": 1}
    assert_problem(api.client.delete(mine, headers=other.headers), 404, "not-found")
    assert_problem(
        api.client.put(mine, json={"rating": 3}, headers=other.headers), 404, "not-found"
    )
    assert api.client.delete(mine).status_code == 401


def test_an_admin_removes_any_review(api: Api, admin: Session, customer: Session) -> None:
    book = api.add_book(admin)
    _bought(api, admin, customer, book["id"])
    review_id = _review(api, customer, book["id"], rating=1).json()["id"]
    path = f"/api/admin/reviews/{review_id}"
    assert_problem(api.client.delete(path, headers=customer.headers), 403, "forbidden")
    assert api.client.delete(path, headers=admin.headers).status_code == 204
    assert_problem(api.client.delete(path, headers=admin.headers), 404, "not-found")
    assert _book(api, book["id"])["rating"]["count"] == 0
    unknown = f"/api/admin/reviews/{uuid4()}"
    assert_problem(api.client.delete(unknown, headers=admin.headers), 404, "not-found")


_BAD_REVIEWS: list[tuple[dict[str, Any], set[str]]] = [
    ({"rating": 0}, {"rating"}),
    ({"rating": 6}, {"rating"}),
    ({"rating": "5"}, {"rating"}),
    ({}, {"rating"}),
    ({"rating": 3, "title": "t" * 121}, {"title"}),
    ({"rating": 3, "body": "b" * 5001}, {"body"}),
    ({"rating": 3, "stars": 5}, {"stars"}),
]


def test_a_bad_review_is_refused_naming_the_fields(
    api: Api, admin: Session, customer: Session
) -> None:
    book = api.add_book(admin)
    _bought(api, admin, customer, book["id"])
    for body, fields in _BAD_REVIEWS:
        refused = assert_problem(_review(api, customer, book["id"], **body), 400, "validation")
        assert error_fields(refused) == fields, body
    assert _book(api, book["id"])["rating"]["count"] == 0


def test_reviews_of_an_unknown_book_are_not_found(api: Api, customer: Session) -> None:
    assert_problem(api.client.get("/api/books/999/reviews"), 404, "not-found")
    assert_problem(_review(api, customer, 999, rating=3), 404, "not-found")
    assert_problem(api.client.get("/api/books/999/also-bought"), 404, "not-found")
    assert_problem(api.client.get("/api/books/1/reviews?sort=stars"), 400, "validation")
    assert api.client.post("/api/books/1/reviews", json={"rating": 3}).status_code == 401


def test_the_catalogue_sorts_by_rating_filters_by_it_and_counts_genres(
    api: Api, admin: Session, customer: Session
) -> None:
    low = api.add_book(admin, title="Low", genre="Poetry")
    high = api.add_book(admin, title="High", genre="Fiction")
    api.add_book(admin, title="Unrated", genre="fiction")
    _bought(api, admin, customer, low["id"], high["id"])
    _review(api, customer, low["id"], rating=2)
    _review(api, customer, high["id"], rating=5)

    by_rating = api.client.get("/api/books?sort=-rating").json()
    assert [b["title"] for b in by_rating["items"]] == ["High", "Low", "Unrated"]
    assert "facets" not in by_rating
    rated = api.client.get("/api/books?min_rating=3").json()
    assert [b["title"] for b in rated["items"]] == ["High"]
    for bad in ("0", "6", "4.5", "x"):
        assert_problem(api.client.get(f"/api/books?min_rating={bad}"), 400, "validation")

    faceted = api.client.get("/api/books?facets=genre&page_size=1").json()
    assert faceted["facets"] == {
        "genre": [{"value": "Fiction", "count": 2}, {"value": "Poetry", "count": 1}]
    }
    searched = api.client.get("/api/books?facets=genre&q=low").json()
    assert searched["facets"] == {"genre": [{"value": "Poetry", "count": 1}]}
    assert_problem(api.client.get("/api/books?facets=author"), 400, "validation")


def test_also_bought_and_recommendations(api: Api, admin: Session, customer: Session) -> None:
    dune = api.add_book(admin, title="Dune")
    emma = api.add_book(admin, title="Emma")
    zola = api.add_book(admin, title="Zola")
    other = api.customer()
    _bought(api, admin, other, dune["id"], emma["id"])
    _bought(api, admin, customer, dune["id"])

    also = api.client.get(f"/api/books/{dune['id']}/also-bought?limit=5").json()
    assert [b["title"] for b in also["items"]] == ["Emma"]
    assert "rating" in also["items"][0]

    path = "/api/users/me/recommendations"
    mine = api.client.get(f"{path}?limit=2", headers=customer.headers).json()
    assert [b["title"] for b in mine["items"]] == ["Emma", "Zola"]  # then the top-rated
    assert api.client.get(path).status_code == 401
    assert_problem(api.client.get(f"{path}?limit=0", headers=customer.headers), 400, "validation")
    assert_problem(
        api.client.get(f"/api/books/{zola['id']}/also-bought?limit=51"), 400, "validation"
    )
