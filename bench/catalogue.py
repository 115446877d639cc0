"""A deterministic benchmark catalogue, written through the project's own SQL adapter.

    python bench/catalogue.py sqlite:////tmp/bench/bookstore.db --books 10000 --map ids.json

Books go in through `SqlUnitOfWorkFactory` and `uow.books.add(BookDetails.parse(...))`, a few
thousand per transaction, after `upgrade_database` has migrated the database: the same
validation, the same INSERT and the same full-text triggers as the API's `POST /api/books`,
without HTTP. The titles, authors and seed are those of the shared benchmark kit
(`make_catalogue.py`), so the search word "lantern" matches the same books (159 of 10,000,
about 1.6 % of any size) and the numbers compare with its runs.

The last `--storm-books` books (100) get 10 copies, for the oversell storms; the others 1,000.
Books whose ISBN is already in the database are not added again, so a second run on the same
database (e.g. a PostgreSQL one) adds nothing and the id map lists the books that are there.
The id map (JSON) names the flow books and the storm books that still have all their copies.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

SEED = 20240601
SEARCH_WORD = "lantern"
FLOW_STOCK = 1000
STORM_STOCK = 10
STORM_BOOKS = 100
BATCH = 2000

ADJ = """amber ancient bitter bright broken crimson curious distant emerald endless
fallen forgotten frozen gentle golden hidden hollow iron last little lonely lost
midnight narrow northern painted quiet restless rising salt scarlet secret silent
silver sleeping small southern stolen strange sunken tender velvet wandering
western whispering wild winter wooden young""".split()
NOUN = """anchor archive atlas bargain beacon bridge canyon cartographer castle cellar
cipher citadel compass cottage covenant crown dagger delta dragon empire engine
falcon ferry forest fortress garden glacier harbor harvest horizon island journal
kingdom labyrinth lantern ledger lighthouse machine manuscript meadow mirror monastery
mountain oracle orchard pilgrim prophecy quarry raven reckoning river sailor
scholar shadow shepherd spire storm sword tapestry tempest tide tower traveler
tribunal valley vessel village violin voyage warden weaver widow wolf""".split()
PLACE = """Avalon Babylon Carthage Dunmore Eldoria Florence Galway Hollowmere Istanbul
Jericho Kestrel Lisbon Marrakesh Nineveh Oxford Persepolis Quebec Ravenna Samarkand
Thebes Umbria Venice Winterfell Xanadu Yorkshire Zanzibar""".split()
FIRST = """Ada Alan Beatrice Carlos Chen Dmitri Elena Farah Gabriel Hana Ivan Jonas
Kemal Leila Marta Nadia Omar Priya Quentin Rosa Sofia Tomas Uma Viktor Wen Yusuf
Zara Ingrid Malik Noor""".split()
LAST = """Abara Bergstrom Castellano Dubois Eriksen Fontaine Goldberg Hayashi Iverson
Jankowski Kowalczyk Lindqvist Moreau Nakamura Okafor Petrov Quintero Rahman Sorensen
Takahashi Uribe Valdez Whitfield Xu Yamamoto Zielinski Adeyemi Brennan Cardoso
Delacroix""".split()
GENRES = """Fantasy Science-Fiction Mystery Thriller Romance History Biography Poetry
Travel Philosophy Horror Children""".split()
PATTERNS = (
    "The {A} {N}",
    "{N} of {P}",
    "The {N} of the {A} {N2}",
    "A {A} {N} in {P}",
    "{A} {N}",
    "The Last {N} of {P}",
)


def isbn13(n: int) -> str:
    body = f"978{n:09d}"
    total = sum((1 if i % 2 == 0 else 3) * int(d) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def raw_books(count: int, storm_books: int = STORM_BOOKS, seed: int = SEED) -> Iterator[dict]:
    """The catalogue in order, as the keyword arguments of `BookDetails.parse`."""
    rnd = random.Random(seed)
    for i in range(1, count + 1):
        pattern = rnd.choice(PATTERNS)
        adjective = rnd.choice(ADJ).capitalize()
        noun = rnd.choice(NOUN).capitalize()
        noun2 = rnd.choice(NOUN).capitalize()
        title = pattern.format(A=adjective, N=noun, N2=noun2, P=rnd.choice(PLACE))
        author = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
        genre = rnd.choice(GENRES)
        price = round(rnd.uniform(4.99, 59.99), 2)
        year = rnd.randint(1850, 2024)
        edition, pages = rnd.randint(1, 9), rnd.randint(90, 900)
        yield {
            "title": title,
            "author": author,
            "genre": genre,
            "price": f"{price:.2f}",
            "stock": STORM_STOCK if i > count - storm_books else FLOW_STOCK,
            "isbn": isbn13(100000 + i),
            "published_year": year,
            "description": f"A {genre.lower()} book by {author}: {title}. "
            f"Edition {edition}, {pages} pages.",
        }


def _ranges(ids: list[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for i in sorted(ids):
        if out and out[-1][1] == i - 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


def build(url: str, count: int, storm_books: int = STORM_BOOKS, quiet: bool = False) -> dict:
    """Migrate the database at `url`, add the catalogue, and return its id map."""
    from sqlalchemy import select

    from bookstore.adapters.sql import SqlUnitOfWorkFactory, make_engine, upgrade_database
    from bookstore.adapters.sql.tables import books
    from bookstore.domain.book import BookDetails

    started = time.perf_counter()
    upgrade_database(url)
    engine = make_engine(url)
    uow = SqlUnitOfWorkFactory(engine)
    try:
        with engine.connect() as conn:  # what a previous run left (read only, by ISBN)
            rows = conn.execute(
                select(books.c.isbn, books.c.id, books.c.stock).where(books.c.removed_at.is_(None))
            )
            present = {isbn: (book_id, stock) for isbn, book_id, stock in rows}
        flow_ids: list[int] = []
        storm_ids: list[int] = []
        added = matches = 0
        batch: list[BookDetails] = []

        def flush() -> None:
            nonlocal added
            now = datetime.now(UTC)
            with uow() as work:
                for details in batch:
                    book = work.books.add(details, now)
                    (storm_ids if details.stock == STORM_STOCK else flow_ids).append(book.id)
                work.commit()
            added += len(batch)
            batch.clear()
            if not quiet:
                print(f"\r  catalogue: {added:,} books added", end="", file=sys.stderr)

        for raw in raw_books(count, storm_books):
            if SEARCH_WORD in raw["title"].lower() or SEARCH_WORD in raw["author"].lower():
                matches += 1
            if (known := present.get(raw["isbn"])) is not None:
                book_id, stock = known
                if raw["stock"] == FLOW_STOCK:
                    flow_ids.append(book_id)
                elif stock == STORM_STOCK:  # an unused storm book
                    storm_ids.append(book_id)
                continue
            batch.append(BookDetails.parse(**raw))
            if len(batch) >= BATCH:
                flush()
        if batch:
            flush()
        if added:
            getattr(
                uow, "bulk_written", lambda: None
            )()  # the planner's statistics, as any bulk load should
    finally:
        engine.dispose()
    seconds = time.perf_counter() - started
    if not quiet:
        print(
            f"\r  catalogue: {count:,} books ({added:,} added now) in {seconds:.1f} s; "
            f"{SEARCH_WORD!r} is in {matches} titles/authors",
            file=sys.stderr,
        )
    return {
        "books": count,
        "added": added,
        "seconds": round(seconds, 2),
        "search_word": SEARCH_WORD,
        "search_matches": matches,
        "flow_ids": _ranges(flow_ids),
        "storm_ids": _ranges(storm_ids),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="SQLAlchemy database URL (sqlite:///... or postgresql://...)")
    parser.add_argument("--books", type=int, default=10_000, help="catalogue size (10,000)")
    parser.add_argument("--storm-books", type=int, default=STORM_BOOKS)
    parser.add_argument("--map", type=Path, help="write the id map (JSON) here")
    args = parser.parse_args()
    if not args.storm_books < args.books <= 10_000_000:
        parser.error("--books must be above --storm-books and at most 10,000,000")
    id_map = build(args.url, args.books, args.storm_books)
    if args.map:
        args.map.write_text(json.dumps(id_map, indent=1) + "\n")


if __name__ == "__main__":
    main()
