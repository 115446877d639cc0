"""The catalogue: browsing and searching for anyone, editing for admins."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from http_support import Api, AppFactory, Session, assert_problem, error_fields

BOOK_FIELDS = {
    "id", "title", "author", "genre", "price", "stock", "isbn", "description",
    "published_year", "created_at", "updated_at", "low_stock_threshold", "rating",
}  # fmt: skip


def test_an_admin_adds_a_book_and_gets_its_location(api: Api, admin: Session) -> None:
    response = api.client.post(
        "/api/books",
        json={
            "title": "Emma",
            "author": "Jane Austen",
            "genre": "Classics",
            "price": "7.50",
            "stock": 3,
            "isbn": "0-14-143951-3",
            "published_year": 1815,
        },
        headers=admin.headers,
    )

    assert response.status_code == 201
    book = response.json()
    assert set(book) == BOOK_FIELDS
    assert response.headers["location"] == f"/api/books/{book['id']}"
    assert book["isbn"] == "9780141439518"
    assert book["price"] == "7.50"
    assert book["description"] is None
    assert book["created_at"].endswith("Z")
    assert api.client.get(response.headers["location"]).json() == book


@pytest.mark.parametrize("price", [12.99, "12.99", 12, "12"])
def test_a_price_is_a_decimal_string_or_a_number(
    api: Api, admin: Session, price: float | str | int
) -> None:
    book = api.add_book(admin, price=price)

    assert book["price"] in {"12.99", "12.00"}


@pytest.mark.parametrize(
    ("fields", "offending"),
    [
        ({"price": "12.999"}, {"price"}),
        ({"price": 0}, {"price"}),
        ({"price": "1000000"}, {"price"}),
        ({"price": "cheap"}, {"price"}),
        ({"price": True}, {"price"}),
        ({"price": "1e999999999"}, {"price"}),
        ({"price": "NaN"}, {"price"}),
        ({"stock": -1, "title": ""}, {"stock", "title"}),
        ({"stock": 10**30}, {"stock"}),
        ({"stock": 1.5}, {"stock"}),
        ({"title": "x" * 301}, {"title"}),
        ({"isbn": "978-0-14-143951-9"}, {"isbn"}),
        ({"published_year": 3000}, {"published_year"}),
        ({"sold": 5}, {"sold"}),
    ],
)
def test_an_invalid_book_is_refused_naming_each_field(
    api: Api, admin: Session, fields: dict[str, Any], offending: set[str]
) -> None:
    body = {"title": "T", "author": "A", "genre": "G", "price": "1.00", "stock": 1} | fields

    response = api.client.post("/api/books", json=body, headers=admin.headers)

    assert error_fields(assert_problem(response, 400, "validation")) == offending
    assert api.client.get("/api/books").json()["total"] == 0


@pytest.mark.parametrize(
    ("fields", "offending"),
    [
        # the shape (msgspec) refuses title and stock; the domain refuses the price and the ISBN
        ({"title": "", "price": "-1", "stock": -5}, ["title", "price", "stock"]),
        ({"title": "", "price": 0, "isbn": "1234567890"}, ["title", "price", "isbn"]),
        ({"title": "a\x00b", "stock": "5"}, ["title", "stock"]),
        ({"price": "1e999999999", "stock": -1}, ["price", "stock"]),
    ],
)
def test_every_bad_field_is_named_whichever_layer_refuses_it(
    api: Api, admin: Session, fields: dict[str, Any], offending: list[str]
) -> None:
    body = {"title": "T", "author": "A", "genre": "G", "price": "1.00", "stock": 1} | fields
    created = api.client.post("/api/books", json=body, headers=admin.headers)
    book = api.add_book(admin)
    patched = api.client.patch(f"/api/books/{book['id']}", json=fields, headers=admin.headers)

    for response in (created, patched):
        errors = assert_problem(response, 400, "validation")["errors"]
        assert [e["field"] for e in errors] == offending  # in the body's order


def test_a_book_without_required_fields_is_refused_naming_them(api: Api, admin: Session) -> None:
    response = api.client.post("/api/books", json={"title": "Alone"}, headers=admin.headers)

    assert error_fields(assert_problem(response, 400, "validation")) == {
        "author", "genre", "price", "stock",
    }  # fmt: skip


def test_a_duplicate_isbn_is_a_409(api: Api, admin: Session) -> None:
    api.add_book(admin, isbn="9780141439518")

    response = api.client.post(
        "/api/books",
        json={"title": "E", "author": "A", "genre": "G", "price": "1", "stock": 1,
              "isbn": "0141439513"},
        headers=admin.headers,
    )  # fmt: skip

    assert_problem(response, 409, "duplicate-isbn")


def test_customers_and_anonymous_callers_cannot_write_the_catalogue(
    api: Api, admin: Session, customer: Session
) -> None:
    book = api.add_book(admin)
    body = {"title": "T", "author": "A", "genre": "G", "price": "1.00", "stock": 1}

    for headers, status, slug in ((customer.headers, 403, "forbidden"), ({}, 401, "unauthorized")):
        assert_problem(api.client.post("/api/books", json=body, headers=headers), status, slug)
        patched = api.client.patch(f"/api/books/{book['id']}", json={"stock": 0}, headers=headers)
        assert_problem(patched, status, slug)
        assert_problem(api.client.delete(f"/api/books/{book['id']}", headers=headers), status, slug)
    assert api.client.get(f"/api/books/{book['id']}").json() == book


def test_patching_changes_only_the_fields_given(api: Api, admin: Session) -> None:
    book = api.add_book(admin, description="A desert planet.", isbn="9780441013593")

    response = api.client.patch(
        f"/api/books/{book['id']}", json={"price": "9.99", "isbn": None}, headers=admin.headers
    )

    assert response.status_code == 200
    patched = response.json()
    assert patched["price"] == "9.99"
    assert patched["isbn"] is None
    assert patched["description"] == "A desert planet."
    assert patched["title"] == book["title"]
    assert patched["stock"] == book["stock"]


@pytest.mark.parametrize(
    "body", [{"title": None}, {"stock": -5}, {"id": 7}, {"price": "0.001"}], ids=str
)
def test_an_invalid_patch_is_refused_and_changes_nothing(
    api: Api, admin: Session, body: dict[str, Any]
) -> None:
    book = api.add_book(admin)

    response = api.client.patch(f"/api/books/{book['id']}", json=body, headers=admin.headers)

    assert_problem(response, 400, "validation")
    assert api.client.get(f"/api/books/{book['id']}").json() == book


def test_patching_an_unknown_book_is_a_404(api: Api, admin: Session) -> None:
    response = api.client.patch("/api/books/999", json={"stock": 1}, headers=admin.headers)

    assert_problem(response, 404, "not-found")


def test_deleting_a_book_takes_it_out_of_the_catalogue(api: Api, admin: Session) -> None:
    book = api.add_book(admin)

    response = api.client.delete(f"/api/books/{book['id']}", headers=admin.headers)

    assert response.status_code == 204
    assert_problem(api.client.get(f"/api/books/{book['id']}"), 404, "not-found")
    again = api.client.delete(f"/api/books/{book['id']}", headers=admin.headers)
    assert_problem(again, 404, "not-found")


@pytest.mark.parametrize(
    ("path", "statuses"),
    [
        ("/api/books/999", {404}),
        ("/api/books/abc", {400, 404}),
        ("/api/books/0", {400, 404}),
        ("/api/books/-1", {400, 404}),
        ("/api/books/99999999999999999999999", {400, 404}),
    ],
)
def test_a_missing_or_malformed_book_id_is_a_4xx(api: Api, path: str, statuses: set[int]) -> None:
    response = api.client.get(path)

    assert response.status_code in statuses
    assert_problem(
        response, response.status_code, "validation" if response.status_code == 400 else "not-found"
    )


def _seed(api: Api, admin: Session) -> None:
    for title, author, genre, price, stock in (
        ("Dune", "Frank Herbert", "Science fiction", "9.99", 5),
        ("Emma", "Jane Austen", "Classics", "4.50", 0),
        ("Persuasion", "Jane Austen", "Classics", "6.00", 2),
        ("100% Pure_Fun", "Ann Other", "Humour", "15.00", 1),
    ):
        api.add_book(admin, title=title, author=author, genre=genre, price=price, stock=stock)


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("", ["100% Pure_Fun", "Dune", "Emma", "Persuasion"]),
        ("?author=austen", ["Emma", "Persuasion"]),
        ("?genre=classics&in_stock=true", ["Persuasion"]),
        ("?title=%25", ["100% Pure_Fun"]),
        ("?title=_", ["100% Pure_Fun"]),
        ("?min_price=5&max_price=10", ["Dune", "Persuasion"]),
        ("?sort=-price", ["100% Pure_Fun", "Dune", "Persuasion", "Emma"]),
        ("?q=jane%20persuasion", ["Persuasion"]),
    ],
)
def test_the_catalogue_filters_and_sorts(
    api: Api, admin: Session, query: str, titles: list[str]
) -> None:
    _seed(api, admin)

    response = api.client.get(f"/api/books{query}")

    assert response.status_code == 200
    assert [book["title"] for book in response.json()["items"]] == titles


def test_the_catalogue_is_paginated(api: Api, admin: Session) -> None:
    _seed(api, admin)

    page = api.client.get("/api/books?page=2&page_size=3").json()

    assert page["page"] == 2
    assert page["page_size"] == 3
    assert page["total"] == 4
    assert [book["title"] for book in page["items"]] == ["Persuasion"]
    assert api.client.get("/api/books?page=9").json()["items"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("page_size=0", "page_size"),
        ("page_size=101", "page_size"),
        ("page_size=1000000000", "page_size"),
        ("page=99999999999999999999", "page"),
        ("min_price=10&max_price=5", "min_price"),
        ("min_price=abc", "min_price"),
        ("in_stock=maybe", "in_stock"),
        ("sort=price;drop", "sort"),
        (f"q={'x' * 201}", "q"),
    ],
)
def test_a_bad_catalogue_query_is_a_400(api: Api, query: str, field: str) -> None:
    response = api.client.get(f"/api/books?{query}")

    assert field in error_fields(assert_problem(response, 400, "validation"))


def test_a_setting_can_require_a_token_to_browse(make_api: AppFactory) -> None:
    api = make_api(catalog_requires_auth=True)
    customer = api.customer()

    assert_problem(api.client.get("/api/books"), 401, "unauthorized")
    assert_problem(api.client.get("/api/books/1"), 401, "unauthorized")
    assert_problem(api.client.get("/api/books?page=0"), 401, "unauthorized")  # before the 400
    assert api.client.get("/api/books", headers=customer.headers).status_code == 200


def test_every_bad_query_parameter_is_named_at_once(api: Api) -> None:
    response = api.client.get("/api/books?page=0&page_size=abc&min_price=x&in_stock=maybe")

    assert error_fields(assert_problem(response, 400, "validation")) == {
        "page", "page_size", "min_price", "in_stock",
    }  # fmt: skip


def test_validation_messages_are_phrased_for_people(api: Api) -> None:
    response = api.client.post(
        "/api/auth/register", json={"email": "bad", "password": "short", "full_name": 5}
    )

    messages = {
        e["field"]: e["message"] for e in assert_problem(response, 400, "validation")["errors"]
    }
    assert messages == {
        "email": "does not have the expected format",
        "password": "must be at least 8 characters",
        "full_name": "must be a string or null, not an integer",
    }


def test_a_registration_names_what_the_domain_refuses_beside_the_rest(api: Api) -> None:
    body = {"email": "ada@example.com", "password": "short", "full_name": "Ada\x00"}

    response = api.client.post("/api/auth/register", json=body)

    assert error_fields(assert_problem(response, 400, "validation")) == {"password", "full_name"}


SORTS = "title, -title, price, -price, created_at, -created_at, relevance"


@pytest.mark.parametrize(
    ("method", "path", "body", "field", "allowed"),
    [
        ("GET", "/api/books?sort=price_desc", None, "sort", SORTS),
        ("GET", "/api/admin/orders?status=sent", None, "status", "placed, paid, shipped"),
        ("GET", "/api/orders?page=0", None, "page", None),
        ("PATCH", f"/api/admin/users/{uuid.UUID(int=1)}", {"role": "boss"}, "role", "admin"),
    ],
)
def test_a_value_outside_an_enum_is_answered_with_the_values_allowed(
    api: Api,
    admin: Session,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    field: str,
    allowed: str | None,
) -> None:
    response = api.client.request(method, path, json=body, headers=admin.headers)

    [error] = assert_problem(response, 400, "validation")["errors"]
    assert error["field"] == field
    if allowed is not None:
        assert error["message"].startswith("must be one of: ")
        assert allowed in error["message"]
        assert allowed in response.json()["detail"]


@pytest.mark.parametrize("price", ["1e999999999", "1E+999999999", "-1e999999999"])
def test_an_absurd_price_exponent_is_a_400_on_patch_too(
    api: Api, admin: Session, price: str
) -> None:
    book = api.add_book(admin)
    as_number = price.encode()

    for content in (b'{"price": "%s"}' % as_number, b'{"price": %s}' % as_number):
        response = api.client.patch(
            f"/api/books/{book['id']}",
            content=content,
            headers=admin.headers | {"content-type": "application/json"},
        )
        assert error_fields(assert_problem(response, 400, "validation")) == {"price"}


def test_reading_a_book_again_shows_every_change_made_since(
    api: Api, admin: Session, customer: Session
) -> None:
    """Reads of unchanged rows reuse their entity and output (`book_from_tuple`, `book_out`):
    a sale, an edit and a restock must each show at once, in the book and in the list."""
    book = api.add_book(admin, title="Persuasion", stock=5)
    path = f"/api/books/{book['id']}"

    def seen() -> tuple[dict[str, Any], dict[str, Any]]:
        one = api.client.get(path).json()
        listed = api.client.get("/api/books", params={"title": "Persuasion"}).json()["items"]
        return one, listed[0]

    assert seen() == (book, book)
    assert seen() == (book, book)  # read again, unchanged
    api.fill_cart(customer, book["id"], 2)
    assert api.client.post("/api/orders", headers=customer.headers).status_code == 201
    sold = seen()
    assert [b["stock"] for b in sold] == [3, 3]
    edited = api.client.patch(path, json={"price": "8.00"}, headers=admin.headers).json()
    assert seen() == (edited, edited)
    assert edited["price"] == "8.00"
    assert edited["stock"] == 3
