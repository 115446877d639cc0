"""Review storms: customers reviewing, editing and deleting reviews of one book at the same
moment, in threads or processes, through the real use cases (importable by spawned
workers)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import sql_storms
from sql_storms import run_together
from sql_support import RandomIds

from bookstore.adapters.clock import SystemClock
from bookstore.application.ports import UnitOfWorkFactory
from bookstore.application.use_cases.delete_review import DeleteMyReview, DeleteMyReviewCommand
from bookstore.application.use_cases.edit_review import EditMyReview, EditMyReviewCommand
from bookstore.application.use_cases.review_book import ReviewBook, ReviewBookCommand
from bookstore.domain.review import AlreadyReviewed, ReviewText
from bookstore.domain.user import Actor, Role

Task = tuple[str, str, int, int]
"""(action, user id, book id, stars): action `review`, `edit` or `delete`."""

DONE = "done"
ALREADY = "already reviewed"


def run_task(factory: UnitOfWorkFactory, task: Task) -> str:
    action, user, book_id, stars = task
    actor = Actor(UUID(user), Role.CUSTOMER)
    try:
        if action == "review":
            review = ReviewBook(factory, SystemClock(), RandomIds())
            review(ReviewBookCommand(actor, book_id, ReviewText(stars)))
        elif action == "edit":
            edit = EditMyReview(factory, SystemClock())
            edit(EditMyReviewCommand(actor, book_id, ReviewText(stars)))
        else:
            DeleteMyReview(factory)(DeleteMyReviewCommand(actor, book_id))
    except AlreadyReviewed:
        return ALREADY
    except Exception as error:  # every other failure is what the storm looks for
        return f"{type(error).__name__}: {error}".splitlines()[0]
    return DONE


def thread_run(factory: UnitOfWorkFactory, tasks: Sequence[Task]) -> list[str]:
    return run_together([lambda task=task: run_task(factory, task) for task in tasks])


def process_run(url: str, tasks: Sequence[Task], processes: int) -> list[str]:
    return sql_storms.process_run(url, tasks, processes, thread_run)
