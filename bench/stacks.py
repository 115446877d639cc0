"""Summarise py-spy raw (collapsed) stacks: where the server's samples go.

    python bench/stacks.py /tmp/prof/list-*.txt [--top 25]

For each file (or the files merged with --merge): the share of samples by the package the
innermost frame is in ("self"), and the functions most often on the stack ("inclusive",
each counted once per sample), with the thread kind (event loop or worker thread).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<func>.*) \((?P<file>.*):(?P<line>\d+)\)$")


def package_of(path: str) -> str:
    """A short name for where a frame's file lives. py-spy writes paths relative to the
    sys.path entry they were found under: `sqlalchemy/engine/base.py`, `src/adapters/...`
    (the editable install), `threading.py`."""
    if "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
    parts = path.lstrip("/").split("/")
    if parts[0] == "src" or "bookstore" in parts[:-1]:
        start = parts.index("src") + 1 if "src" in parts else parts.index("bookstore") + 1
        inner = [q.removesuffix(".py") for q in parts[start:]]
        return "bookstore." + ".".join(inner[:2])
    top = parts[0].removesuffix(".py")
    if path.startswith("<frozen"):
        return "python"
    if top in sys.stdlib_module_names or len(parts) == 1:
        return f"python.{top}"
    if top in ("sqlalchemy", "litestar") and len(parts) > 2:
        return f"{top}.{parts[1]}"
    return top


SQL_DRIVER_CALLS = {
    "do_execute",
    "do_executemany",
    "do_execute_no_params",
    "fetchone",
    "fetchall",
    "fetchmany",
    "do_commit",
    "do_rollback",
    "do_begin",
    "_execute_context",
}


def category(frames: list[tuple[str, str]]) -> str:
    """Where a sample's time goes, judged from its innermost frame (and a few callers)."""
    leaf, pkg = frames[-1]
    func = leaf.split(" (", 1)[0].rsplit(".", 1)[-1]
    names = " ".join(f for f, _ in frames)
    if any(p == "python.logging" for _, p in frames) or "QueueListener" in names:
        return "logging (access log)"
    if pkg.startswith("sqlalchemy") and func in SQL_DRIVER_CALLS:
        return "database driver (SQLite/psycopg C calls)"
    if pkg.startswith("sqlalchemy"):
        return "SQLAlchemy Core (Python: compile, cache, results)"
    if pkg in ("psycopg", "psycopg_binary", "psycopg_pool"):
        return "database driver (SQLite/psycopg C calls)"
    if pkg.startswith("bookstore"):
        return f"bookstore code ({pkg.split('.')[1] if '.' in pkg else pkg})"
    if pkg.startswith("litestar") or pkg in ("msgspec", "typing_extensions"):
        return "Litestar (routing, DI, guards, msgspec)"
    if pkg in ("uvicorn", "httptools", "h11", "uvloop") or (func == "run" and "Runner" in leaf):
        return "uvicorn/uvloop (HTTP parsing, event loop)"
    if pkg in ("jwt", "cryptography"):
        return "JWT"
    if pkg == "bcrypt" or "hashpw" in leaf or "checkpw" in leaf:
        return "bcrypt"
    if pkg in ("anyio", "python.threading", "python.concurrent", "python.queue") or (
        pkg == "python.asyncio"
    ):
        return "threads and asyncio (sync_to_thread hand-off)"
    if pkg == "python.uuid":
        return "uuid4 (request ids, token ids)"
    return f"other ({pkg})"


def read(paths: list[Path]) -> list[tuple[list[tuple[str, str]], int]]:
    stacks = []
    for path in paths:
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            frames = []
            for raw in stack.split(";"):
                m = FRAME.match(raw)
                if m is None:
                    continue  # process or thread labels
                short = m["file"].rsplit("/", 1)[-1]
                frames.append((f"{m['func']} ({short})", package_of(m["file"])))
            if frames:
                stacks.append((frames, int(count)))
    return stacks


def thread_kind(frames: list[tuple[str, str]]) -> str:
    names = " ".join(f for f, _ in frames[:6])
    if "_bootstrap" in names or "worker_thread" in " ".join(f for f, _ in frames):
        return "worker threads"
    return "event loop thread"


def report(
    stacks: list[tuple[list[tuple[str, str]], int]], top: int, focus: tuple[str, ...] = ()
) -> str:
    total = sum(n for _, n in stacks)
    if not total:
        return "no samples"
    self_pkg: Counter[str] = Counter()
    self_fn: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    for frames, n in stacks:
        areas[category(frames)] += n
        leaf, pkg = frames[-1]
        self_pkg[pkg] += n
        self_fn[f"{leaf} [{pkg}]"] += n
        threads[thread_kind(frames)] += n
        for name in {f"{f} [{p}]" for f, p in frames if not focus or p.startswith(focus)}:
            inclusive[name] += n
    out = [f"{total} samples; " + ", ".join(f"{k} {v / total:.0%}" for k, v in threads.items())]
    out.append("where the time goes (by the innermost frame):")
    out += [f"  {v / total:6.1%}  {k}" for k, v in areas.most_common() if v / total >= 0.003]
    out.append("self time by package:")
    out += [f"  {v / total:6.1%}  {k}" for k, v in self_pkg.most_common(top)]
    out.append("self time by function:")
    out += [f"  {v / total:6.1%}  {k}" for k, v in self_fn.most_common(top)]
    out.append(
        "inclusive (on the stack), the top functions"
        + (f" of {', '.join(focus)}:" if focus else ":")
    )
    out += [f"  {v / total:6.1%}  {k}" for k, v in inclusive.most_common(top * 2)]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--merge", action="store_true", help="one report for all files")
    parser.add_argument(
        "--focus",
        action="append",
        default=[],
        help="list only these packages' functions as inclusive (e.g. bookstore, repeatable)",
    )
    args = parser.parse_args()
    groups = [args.files] if args.merge else [[f] for f in args.files]
    for group in groups:
        print(f"== {', '.join(p.name for p in group)}")
        print(report(read(group), args.top, tuple(args.focus)))
        print()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
