from __future__ import annotations

from collections.abc import Iterator

from bookstore.application.authorization import require_admin
from bookstore.application.ports import UnitOfWorkFactory
from bookstore.domain.book import Book
from bookstore.domain.user import Actor

PAGE_ROWS = 500


class ExportBooks:
    """The whole catalogue, for a CSV export that an import reads back (§16).

    - Only an admin may (checked when called, before any book is read).
    - Books come in id order, a page at a time, each page read in a unit of work of its own:
      memory does not grow with the catalogue, and the export never holds the database
      for its whole length. A book is exported as it was when its page was read.
    """

    def __init__(self, uow: UnitOfWorkFactory, page_rows: int = PAGE_ROWS) -> None:
        self._uow = uow
        self._page_rows = page_rows

    def __call__(self, actor: Actor) -> Iterator[Book]:
        require_admin(actor)
        return self._books()

    def _books(self) -> Iterator[Book]:
        last_id = 0
        while True:
            with self._uow(read_only=True) as uow:
                page = uow.catalogue.page_after(last_id, self._page_rows)
            yield from page
            if len(page) < self._page_rows:
                return
            last_id = page[-1].id
