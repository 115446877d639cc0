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
    """A short name for where a frame's file lives."""
    if "site-packages/" in path:
        rest = path.split("site-packages/", 1)[1]
        top = rest.split("/", 1)[0].removesuffix(".py")
        if top in ("sqlalchemy", "litestar") and "/" in rest:
            return f"{top}.{rest.split('/')[1].removesuffix('.py')}"
        return top
    if "/src/" in path and ("bookstore" in path or "/work/" in path):
        parts = path.split("/src/", 1)[1].split("/")
        return "bookstore." + ".".join(p.removesuffix(".py") for p in parts[:2])
    if "/bookstore/" in path:
        parts = path.split("/bookstore/", 1)[1].split("/")
        return "bookstore." + ".".join(p.removesuffix(".py") for p in parts[:2])
    name = path.rsplit("/", 1)[-1].removesuffix(".py")
    if path.startswith("<frozen"):
        return "python." + path.strip("<>").split()[-1]
    return f"python.{path.rsplit('/', 2)[-2]}" if "/asyncio/" in path else f"python.{name}"


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


def report(stacks: list[tuple[list[tuple[str, str]], int]], top: int) -> str:
    total = sum(n for _, n in stacks)
    if not total:
        return "no samples"
    self_pkg: Counter[str] = Counter()
    self_fn: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    for frames, n in stacks:
        leaf, pkg = frames[-1]
        self_pkg[pkg] += n
        self_fn[f"{leaf} [{pkg}]"] += n
        threads[thread_kind(frames)] += n
        for name in {f"{f} [{p}]" for f, p in frames}:
            inclusive[name] += n
    out = [f"{total} samples; " + ", ".join(f"{k} {v / total:.0%}" for k, v in threads.items())]
    out.append("self time by package:")
    out += [f"  {v / total:6.1%}  {k}" for k, v in self_pkg.most_common(top)]
    out.append("self time by function:")
    out += [f"  {v / total:6.1%}  {k}" for k, v in self_fn.most_common(top)]
    out.append("inclusive (on the stack), the top functions:")
    out += [f"  {v / total:6.1%}  {k}" for k, v in inclusive.most_common(top * 2)]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--merge", action="store_true", help="one report for all files")
    args = parser.parse_args()
    groups = [args.files] if args.merge else [[f] for f in args.files]
    for group in groups:
        print(f"== {', '.join(p.name for p in group)}")
        print(report(read(group), args.top))
        print()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
