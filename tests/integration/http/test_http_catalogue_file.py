"""The catalogue as a CSV file over HTTP (§16): POST /api/admin/books/import with a report per
row and its own 20 MiB body limit, GET /api/admin/books/export streamed, round-tripping."""

from __future__ import annotations

import csv
import io
from typing import Any

from http_support import Api, Session, assert_problem, error_fields

HEADER = "title,author,genre,price,stock,isbn"
CSV = {"Content-Type": "text/csv"}


def send(api: Api, who: Session, text: str | bytes, **params: Any) -> Any:
    body = text.encode() if isinstance(text, str) else text
    return api.client.post(
        "/api/admin/books/import", content=body, params=params, headers={**who.headers, **CSV}
    )


def export(api: Api, who: Session) -> Any:
    return api.client.get("/api/admin/books/export", headers=who.headers)


def test_an_import_answers_the_counts_and_every_bad_field_by_line(api: Api, admin: Session) -> None:
    text = f"{HEADER}\nDune,F,SF,9.99,5,9780141439518\n,F,SF,0,5,\nEmma,J,C,1.00,2,\n"

    response = send(api, admin, text)

    assert response.status_code == 200, response.text
    assert response.json() == {
        "created": 2, "updated": 0, "skipped": 0, "failed": 1, "dry_run": False,
        "errors": [
            {"line": 3, "field": "title", "message": "is required"},
            {"line": 3, "field": "price", "message": "must be more than 0 and less than 1000000"},
        ],
    }  # fmt: skip
    titles = {b["title"] for b in api.client.get("/api/books").json()["items"]}
    assert titles == {"Dune", "Emma"}
    book_id = next(b["id"] for b in api.client.get("/api/books").json()["items"])
    moves = api.client.get(f"/api/admin/books/{book_id}/movements", headers=admin.headers)
    assert [m["reason"] for m in moves.json()["items"]] == ["import"]


def test_a_dry_run_answers_the_same_and_changes_nothing(api: Api, admin: Session) -> None:
    api.add_book(admin, title="Dune", isbn="9780141439518", stock=1)
    text = f"{HEADER}\nDune II,F,SF,9.99,5,9780141439518\nNew,F,SF,1.00,1,\n"

    response = send(api, admin, text, dry_run="true", on_duplicate="update")

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["created"], body["updated"], body["dry_run"]) == (1, 1, True)
    assert [b["title"] for b in api.client.get("/api/books").json()["items"]] == ["Dune"]


def test_a_header_it_cannot_use_is_a_validation_problem(api: Api, admin: Session) -> None:
    response = send(api, admin, "title,colour\nDune,red\n")

    problem = assert_problem(response, 400, "validation")
    assert error_fields(problem) == {"header"}
    assert api.client.get("/api/books").json()["total"] == 0


def test_an_unknown_duplicate_policy_is_refused_with_the_choices(api: Api, admin: Session) -> None:
    response = send(api, admin, f"{HEADER}\n", on_duplicate="merge")

    problem = assert_problem(response, 400, "validation")
    assert error_fields(problem) == {"on_duplicate"}


def test_the_import_takes_csv_only(api: Api, admin: Session) -> None:
    response = api.client.post(
        "/api/admin/books/import", json={"title": "Dune"}, headers=admin.headers
    )

    assert_problem(response, 415, "unsupported-media-type")


def test_a_file_that_is_not_utf8_is_a_validation_problem(api: Api, admin: Session) -> None:
    response = send(api, admin, f"{HEADER}\nDune,F,SF,9.99,5,\n".encode() + b"\xff\xfe,x\n")

    problem = assert_problem(response, 400, "validation")
    assert "not UTF-8" in problem["detail"]


def test_the_import_takes_up_to_20_mib_while_other_routes_keep_1_mib(
    api: Api, admin: Session
) -> None:
    row = f"{'x' * 200},F,SF,1.00,1,\n"
    rows = 2 * 1024 * 1024 // len(row)  # about 2 MiB, over the app's 1 MiB limit
    big = send(api, admin, HEADER + "\n" + row * rows, dry_run="true")
    assert big.status_code == 200, big.text
    assert big.json()["created"] == rows

    too_big = send(api, admin, b"x" * (20 * 1024 * 1024 + 1))
    assert_problem(too_big, 413, "payload-too-large")
    json_too_big = api.client.post(
        "/api/books", content=b" " * (1024 * 1024 + 1), headers={**admin.headers}
    )
    assert_problem(json_too_big, 413, "payload-too-large")


def test_customers_and_strangers_may_not_import_or_export(api: Api, customer: Session) -> None:
    assert_problem(send(api, customer, f"{HEADER}\n"), 403, "forbidden")
    assert_problem(export(api, customer), 403, "forbidden")
    assert api.client.get("/api/admin/books/export").status_code == 401


def test_export_streams_csv_that_imports_into_an_empty_store_as_the_same_catalogue(
    api: Api, admin: Session, make_api: Any
) -> None:
    api.add_book(admin, title="Dune", isbn="9780141439518", stock=5, published_year=1965)
    api.add_book(admin, title='Quoted, "yes"', description="two\nlines", stock=0)
    for n in range(600):  # more than one chunk
        api.add_book(admin, title=f"Book {n}", stock=n)

    response = export(api, admin)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:2] == ["isbn", "title"]
    assert len(rows) == 603
    other = make_api(database_url="memory://")  # an empty store
    other_admin = other.admin()
    imported = send(other, other_admin, response.text)
    assert imported.json()["created"] == 602
    assert export(other, other_admin).text == response.text
