"""Concurrent reviews of one book, in threads and OS processes, on SQLite and PostgreSQL:
the book's kept rating count and sum stay exactly those of the reviews that remain, and a
customer's two reviews at once land once."""

from __future__ import annotations

import pytest
from review_storms import ALREADY, DONE, Task, process_run, thread_run
from review_support import customers, ordered
from sql_support import Backend, add_books, details

from bookstore.application.queries import ReviewQuery
from bookstore.domain.pagination import PageRequest
from bookstore.domain.review import Rating

NEW, OLD = 6, 4


def mixed_storm(backend: Backend) -> tuple[list[Task], int]:
    """NEW customers review the book while OLD who already did edit (two) or delete (two)
    theirs, and one new customer sends the same review twice."""
    factory = backend.factory
    (book,) = add_books(factory, details(stock=100))
    fresh, settled = customers(factory, NEW), customers(factory, OLD)
    for user in fresh + settled:
        ordered(factory, user, [book])
    tasks: list[Task] = [("review", str(user), book.id, 1 + n % 5) for n, user in enumerate(fresh)]
    tasks.append(("review", str(fresh[0]), book.id, 5))
    for user in settled:
        run = thread_run(factory, [("review", str(user), book.id, 3)])
        assert run == [DONE]
    tasks += [("edit", str(settled[0]), book.id, 5), ("edit", str(settled[1]), book.id, 1)]
    tasks += [("delete", str(settled[2]), book.id, 0), ("delete", str(settled[3]), book.id, 0)]
    return tasks, book.id


def check(backend: Backend, outcomes: list[str], book_id: int) -> None:
    assert sorted(set(outcomes)) == sorted({DONE, ALREADY}), outcomes
    assert outcomes.count(ALREADY) == 1, "a customer's second review at once is refused"
    with backend.factory(read_only=True) as uow:
        book = uow.books.get(book_id)
        reviews = uow.reviews.of_book(ReviewQuery(book_id, page=PageRequest(1, 100))).items
    assert book is not None
    stars = [review.rating for review in reviews]
    assert len(stars) == NEW + 2
    assert book.rating == Rating(len(stars), sum(stars))


def test_reviews_in_threads_keep_the_rating_exact(sql_backend: Backend) -> None:
    tasks, book_id = mixed_storm(sql_backend)
    check(sql_backend, thread_run(sql_backend.factory, tasks), book_id)


@pytest.mark.slow
def test_reviews_in_processes_keep_the_rating_exact(sql_backend: Backend) -> None:
    tasks, book_id = mixed_storm(sql_backend)
    check(sql_backend, process_run(sql_backend.url, tasks, processes=2), book_id)
