"""Time and peak memory of `bookstore import-books` on generated catalogues (§16: 100,000 rows
in under a minute on SQLite, in memory that does not grow with the file).

    .venv/bin/python bench/import_csv.py --rows 10000 100000 [--database-url URL]

For each size: a CSV of that many valid rows (every column, unique ISBNs, a description of a
few hundred characters) is written, a fresh SQLite database migrated, and `bookstore
import-books` run as a child process (not a terminal: plain progress lines). Its wall time
and peak resident memory (`wait4`'s `ru_maxrss`) are printed, with the rows per second.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = "amber lantern winter salt silver hollow quiet river northern glass".split()


def isbn(n: int) -> str:
    first12 = f"979{n:09d}"
    weighted = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(first12))
    return first12 + str((10 - weighted % 10) % 10)


def write_catalogue(path: Path, rows: int) -> None:
    columns = ["isbn", "title", "author", "genre", "price", "stock", "description",
               "published_year", "low_stock_threshold"]  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for n in range(rows):
            words = [WORDS[(n * 7 + k) % len(WORDS)] for k in range(3)]
            writer.writerow([
                isbn(n), f"The {' '.join(words)} {n}", f"Author {n % 5000}",
                ["Fiction", "Poetry", "History", "Science"][n % 4],
                f"{1 + n % 90}.{n % 100:02d}", n % 500,
                " ".join(WORDS[(n + k) % len(WORDS)] for k in range(50)),
                1900 + n % 125, n % 10,
            ])  # fmt: skip


def bookstore(*args: str) -> list[str]:
    return [sys.executable, "-m", "bookstore.entrypoints.cli", *args]


def measure(rows: int, workdir: Path, database_url: str | None) -> tuple[float, int]:
    csv_path = workdir / f"books-{rows}.csv"
    write_catalogue(csv_path, rows)
    db = workdir / f"import-{rows}.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKSTORE_")}
    env["BOOKSTORE_DATABASE_URL"] = database_url or f"sqlite:///{db}"
    subprocess.run(bookstore("db", "upgrade"), env=env, check=True, capture_output=True)
    started = time.perf_counter()
    child = subprocess.Popen(bookstore("import-books", str(csv_path)), env=env,
                             stdout=subprocess.PIPE)  # fmt: skip
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    summary = child.stdout.read().decode().strip() if child.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0 or f"created {rows}," not in summary:
        raise SystemExit(f"the import of {rows} rows failed: {summary}")
    size = csv_path.stat().st_size
    peak = usage.ru_maxrss * 1024  # KiB on Linux
    print(f"{rows:>8,} rows ({size / 2**20:6.1f} MiB): {elapsed:6.1f} s, "
          f"{rows / elapsed:8,.0f} rows/s, peak RSS {peak / 2**20:6.1f} MiB")  # fmt: skip
    return elapsed, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--database-url", help="an empty database instead of a new SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bookstore-import-") as workdir:
        for rows in args.rows:
            measure(rows, Path(workdir), args.database_url)


if __name__ == "__main__":
    main()
