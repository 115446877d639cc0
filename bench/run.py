"""`make bench`: build a catalogue, start the server, load it, print one table.

    python bench/run.py                      # 10,000 books, 10 s per scenario
    python bench/run.py --books 100000 --duration 20
    python bench/run.py --pg-url postgresql+psycopg://USER:PASSWORD@127.0.0.1/DB  # + PostgreSQL
    python bench/run.py --profile /tmp/prof  # py-spy record during every scenario (slower)

Steps: a fresh SQLite file under a temporary folder; the catalogue written through the
project's own SQL adapter (bench/catalogue.py); the benchmark's users registered through the
`RegisterUser` use case; `bookstore serve` (uvicorn, 1 worker by default, rate limits off)
on a free loopback port; then the scenarios, each bounded in time:

  list    GET /api/books?page=1&page_size=20                 wrk, 32 connections
  get     GET /api/books/{random flow book}                  wrk, 32 connections
  search  GET /api/books?q=lantern&page=1&page_size=20       wrk, 32 connections
  flow1   add to cart + place order, 1 user                  asyncio client
  flow32  add to cart + place order, 32 users                asyncio client
  storm   50 buyers, 1 book with 10 copies, orders released at once, x5 runs
  login   POST /api/auth/login (not in the default set)      wrk, 32 connections
  facets  GET /api/books?q=lantern&facets=genre (not default) wrk, 32 connections
  rated   GET /api/books?sort=-rating (not default)          wrk, 32 connections

Everything it starts (the servers, wrk, py-spy) it stops before it exits, also on Ctrl-C.
Exit status: 0 = every scenario ran with no 5xx, no dropped connection, no failed read and
every storm exact; 1 = one of those did not hold; 2 = the run could not be made.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import catalogue  # noqa: E402
import load  # noqa: E402

DEFAULT_SCENARIOS = "list,get,search,flow1,flow32,storm"
ALL_SCENARIOS = (*DEFAULT_SCENARIOS.split(","), "login", "facets", "rated")
READS = {
    "list": ("list page 1 (20 books)", "/api/books?page=1&page_size=20"),
    "get": ("get book by id", "/api/books/{id}"),
    "search": (
        f"search q={catalogue.SEARCH_WORD}",
        f"/api/books?q={catalogue.SEARCH_WORD}&page=1&page_size=20",
    ),
    # §15, not in the default set
    "facets": (
        f"search q={catalogue.SEARCH_WORD} + facets=genre",
        f"/api/books?q={catalogue.SEARCH_WORD}&facets=genre&page=1&page_size=20",
    ),
    "rated": ("list sort=-rating", "/api/books?sort=-rating&page=1&page_size=20"),
}


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- users


def create_users(url: str, emails: list[str], bcrypt_rounds: int) -> None:
    """Register customers through the project's `RegisterUser` use case."""
    from bookstore.adapters.clock import SystemClock
    from bookstore.adapters.hashing import BcryptHasher
    from bookstore.adapters.ids import RandomIds
    from bookstore.adapters.sql import SqlUnitOfWorkFactory, make_engine
    from bookstore.application.use_cases.register_user import (
        RegisterUser,
        RegisterUserCommand,
    )

    engine = make_engine(url)
    try:
        register = RegisterUser(
            SqlUnitOfWorkFactory(engine), BcryptHasher(bcrypt_rounds), SystemClock(), RandomIds()
        )
        for email in emails:
            register(RegisterUserCommand(email, load.PASSWORD))
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- the server


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def process_tree(pid: int) -> list[int]:
    """The pid and its descendants (Linux /proc; just the pid elsewhere)."""
    if not Path("/proc").is_dir():
        return [pid]
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = [pid], [pid]
    while frontier:
        children = [p for p, parent in parents.items() if parent in frontier]
        tree += children
        frontier = children
    return tree


def peak_rss_kib(pid: int) -> int | None:
    """VmHWM (peak resident set) of one process, in KiB, where /proc has it."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pids: list[int]) -> float | None:
    """User + system CPU time of these processes so far (Linux /proc), in seconds."""
    if not Path("/proc").is_dir():
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


class RssSampler(threading.Thread):
    """Fallback where there is no /proc: the largest RSS `ps` reports, every 0.5 s."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kib = pid, 0
        self._stop = threading.Event()

    def run(self) -> None:
        while not self._stop.wait(0.5):
            out = subprocess.run(
                ["ps", "-o", "rss=", "-p", str(self.pid)],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.split()
            if out and out[0].isdigit():
                self.peak_kib = max(self.peak_kib, int(out[0]))

    def stop(self) -> None:
        self._stop.set()


@dataclass
class Server:
    label: str
    database_url: str
    host: str
    port: int
    workers: int
    workdir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    serves: bool = True
    """False: a `bookstore worker` process (the jobs, no HTTP) instead of `bookstore serve`."""
    process: subprocess.Popen[bytes] | None = None
    peak_rss: dict[int, int] = field(default_factory=dict)
    _sampler: RssSampler | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"server-{self.label}.log"

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKSTORE_")}
        env.update(
            BOOKSTORE_DATABASE_URL=self.database_url,
            BOOKSTORE_JWT_SECRET=secrets.token_hex(32),
            BOOKSTORE_RATE_LIMITS="off",
        )
        env.update(self.extra_env)
        command = [sys.executable, "-m", "bookstore.entrypoints.cli"]
        if self.serves:
            command += ["serve", "--host", self.host, "--port", str(self.port)]
            command += ["--workers", str(self.workers)]
        else:
            command += ["worker"]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=self.workdir,  # no .env of the user's is read
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped as one
            )
        deadline = time.monotonic() + 60
        while self.serves and time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited at start:\n{self.log_tail()}")
            ready = self.base_url + "/health/ready"
            with contextlib.suppress(OSError), urllib.request.urlopen(ready, timeout=2) as r:
                if r.status == 200:
                    break
            time.sleep(0.2)
        else:
            if self.serves:
                raise RuntimeError(f"the server was not ready in 60 s:\n{self.log_tail()}")
        if not Path("/proc").is_dir():
            self._sampler = RssSampler(self.process.pid)
            self._sampler.start()

    def record_rss(self) -> None:
        if self.process is None:
            return
        for pid in process_tree(self.process.pid):
            if (kib := peak_rss_kib(pid)) is not None:
                self.peak_rss[pid] = max(self.peak_rss.get(pid, 0), kib)
        if self._sampler is not None:
            self.peak_rss[self.process.pid] = self._sampler.peak_kib

    def workers_pids(self) -> list[int]:
        """The processes that serve requests (the worker children when --workers > 1)."""
        if self.process is None:
            return []
        tree = process_tree(self.process.pid)
        return tree[1:] if self.workers > 1 and len(tree) > 1 else tree[:1]

    def stop(self) -> None:
        process, self.process = self.process, None
        if self._sampler is not None:
            self._sampler.stop()
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


# --------------------------------------------------------------------------- profiling


@contextlib.contextmanager
def profiled(
    server: Server, out_dir: Path | None, name: str, seconds: float, gil_only: bool = False
) -> Iterator[None]:
    """py-spy record (raw collapsed stacks) of the serving processes while the block runs:
    every thread that is running, or with `gil_only` only the one holding the GIL."""
    if out_dir is None:
        yield
        return
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    procs = []
    for pid in server.workers_pids():
        out = out_dir / f"{name}-{pid}.txt"
        command = [spy, "record", "--format", "raw", "--rate", "200", "--nonblocking"]
        command += ["--gil"] if gil_only else []
        command += ["--duration", str(int(seconds) + 1), "-p", str(pid), "-o", str(out)]
        procs.append(
            subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
    try:
        yield
    finally:
        for proc in procs:
            try:
                proc.wait(timeout=seconds + 30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# --------------------------------------------------------------------------- scenarios


def probe(base_url: str, path: str) -> dict[str, Any]:
    with urllib.request.urlopen(base_url + path, timeout=10) as r:
        body = json.loads(r.read())
    return {"status": r.status, "total": body.get("total") if isinstance(body, dict) else None}


def run_read(server: Server, name: str, args: argparse.Namespace, ids: dict) -> dict[str, Any]:
    label, path = READS[name]
    if name == "search" and args.search != catalogue.SEARCH_WORD:
        words = urllib.parse.quote(args.search)
        label, path = f"search q={args.search}", f"/api/books?q={words}&page=1&page_size=20"
    probe_path = path.replace("{id}", str(ids["flow_ids"][0][0]))
    first = probe(server.base_url, probe_path)
    result = load.run_wrk(
        server.base_url,
        path,
        duration=args.duration,
        connections=args.connections,
        id_ranges=ids["flow_ids"],
    )
    result["label"] = label
    if name == "search":
        result["note"] = f"{first['total']} hits"
    return result


def run_login(server: Server, args: argparse.Namespace, email: str) -> dict[str, Any]:
    body = {"email": email, "password": load.PASSWORD}
    result = load.run_wrk(
        server.base_url,
        "/api/auth/login",
        duration=args.duration,
        connections=args.connections,
        post_body=body,
    )
    result["label"] = "log in (POST /api/auth/login)"
    result["note"] = f"bench users' bcrypt cost {args.bcrypt_rounds}"
    return result


def run_flow(server: Server, args: argparse.Namespace, emails: list[str], ids: dict) -> dict:
    book_ids = [i for lo, hi in ids["flow_ids"] for i in range(lo, hi + 1)]
    tokens = asyncio.run(load.log_in(server.base_url, emails))
    result = asyncio.run(
        asyncio.wait_for(
            load.run_flows(server.base_url, tokens, book_ids, duration=args.duration),
            args.duration + 120,
        )
    )
    result["label"] = f"add to cart + order, c={len(emails)}"
    result["note"] = f"{result['req_rate']:,.0f} req/s, 4xx {result['4xx']}"
    return result


def run_storms(
    server: Server, args: argparse.Namespace, users: list[list[str]], ids: dict, backend: str
) -> dict[str, Any]:
    storm_books = [i for lo, hi in ids["storm_ids"] for i in range(lo, hi + 1)]
    if len(storm_books) < args.storms:
        raise RuntimeError(f"only {len(storm_books)} unused storm books, {args.storms} needed")
    runs = []
    for run, emails in enumerate(users):
        tokens = asyncio.run(load.log_in(server.base_url, emails))
        outcome = asyncio.run(
            asyncio.wait_for(load.run_storm(server.base_url, tokens, storm_books[run]), 120)
        )
        runs.append(outcome)
        say(
            f"  storm {run + 1}/{len(users)} ({backend}): {outcome['orders_ok']} orders, stock "
            f"{outcome['stock_before']}->{outcome['stock_after']}, statuses "
            f"{outcome['status_counts']}, {outcome['wall_ms']:.0f} ms"
        )
    walls = [r["wall_ms"] for r in runs]
    exact = sum(r["correct"] for r in runs)
    return {
        "label": f"oversell storm x{len(runs)} ({backend})",
        "rate": exact,
        "unit": f"/{len(runs)} exact",
        "p50_ms": statistics.median(walls),
        "p99_ms": max(walls),
        "errors": sum(r["errors"] for r in runs),
        "non2xx": 0,
        "dropped": sum(r["dropped"] for r in runs),
        "correct": exact == len(runs),
        "note": "10 orders, stock 0, no 5xx, every run" if exact == len(runs) else "WRONG",
        "runs": runs,
    }


# --------------------------------------------------------------------------- report


def fmt_ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def table(results: list[dict[str, Any]]) -> str:
    header = (
        f"{'scenario':<36} {'rate':>16} {'p50 ms':>9} {'p99 ms':>9} {'errors':>7} "
        f"{'srv CPU':>8}  notes"
    )
    lines = [header, "-" * (len(header) + 24)]
    for r in results:
        if "failed" in r:
            lines.append(f"{r['label']:<36} {'FAILED':>16} {'':>9} {'':>9} {'':>7}  {r['failed']}")
            continue
        unit = r["unit"]
        rate = f"{r['rate']}{unit}" if unit.startswith("/") else f"{r['rate']:,.0f} {unit}"
        cores = r.get("server_cpu_cores")
        cpu = "-" if cores is None else f"{cores:.2f}"
        note = r.get("note", "")
        if (per_op := r.get("server_cpu_ms_per_op")) is not None:
            note = f"{per_op:.2f} CPU ms/{unit.split('/')[0].rstrip('s')}" + (
                f"; {note}" if note else ""
            )
        lines.append(
            f"{r['label']:<36} {rate:>16} {fmt_ms(r['p50_ms']):>9} {fmt_ms(r['p99_ms']):>9} "
            f"{r['errors']:>7} {cpu:>8}  {note}"
        )
    lines.append(
        "srv CPU = cores the server process used during the scenario (set-up included); "
        "storm: p50/p99 = median/max storm ms"
    )
    return "\n".join(lines)


def rss_line(server: Server) -> str:
    if not server.peak_rss:
        return f"peak RSS ({server.label}): not available on this system"
    biggest = max(server.peak_rss.values()) / 1024
    each = ", ".join(f"{kib / 1024:.1f}" for kib in server.peak_rss.values())
    how = "VmHWM" if Path("/proc").is_dir() else "ps samples"
    return f"server peak RSS ({server.label}): {biggest:.1f} MB per process (MB, {how}: {each})"


# --------------------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--books", type=int, default=10_000, help="catalogue size (10,000)")
    p.add_argument("--duration", type=int, default=10, help="seconds per scenario (10)")
    p.add_argument("--scenarios", default=DEFAULT_SCENARIOS, help=f"({DEFAULT_SCENARIOS})")
    p.add_argument("--connections", type=int, default=32, help="wrk connections for reads (32)")
    p.add_argument("--storms", type=int, default=5, help="storm runs (5)")
    p.add_argument("--storm-users", type=int, default=50, help="buyers per storm (50)")
    p.add_argument("--workers", type=int, default=1, help="server processes (1)")
    p.add_argument("--host", default="127.0.0.1", help="loopback address to serve on")
    p.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL") or None,
        help="also run every scenario on this PostgreSQL database, with a table of its own "
        "(a throwaway database: the catalogue is added and analyzed if missing; "
        "default $BENCH_PG_URL)",
    )
    p.add_argument(
        "--bcrypt-rounds",
        type=int,
        default=4,
        help="bcrypt cost of the benchmark users' password hashes (4: set-up stays quick; "
        "the server's own setting is left at its default)",
    )
    p.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="BOOKSTORE_X=VALUE",
        help="a setting for the server (repeatable), e.g. BOOKSTORE_LOG_LEVEL=WARNING",
    )
    p.add_argument("--warmup", type=int, default=2, help="seconds of list+get first (2)")
    p.add_argument(
        "--search",
        default=catalogue.SEARCH_WORD,
        help=f"the words of the search scenario ({catalogue.SEARCH_WORD!r}); e.g. 'lantern "
        "poetry' has about as many hits at 100,000 books as 'lantern' has at 10,000",
    )
    p.add_argument("--profile", type=Path, help="py-spy raw profiles of every scenario here")
    p.add_argument(
        "--profile-gil", action="store_true", help="profile only the thread holding the GIL"
    )
    p.add_argument("--out", type=Path, help="write every result as JSON here")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = p.parse_args()
    unknown = set(args.scenarios.split(",")) - set(ALL_SCENARIOS)
    if unknown:
        p.error(f"unknown scenario(s) {', '.join(sorted(unknown))}; known: {ALL_SCENARIOS}")
    if not (200 <= args.books <= 10_000_000 and 1 <= args.duration <= 3600):
        p.error("--books must be 200..10,000,000 and --duration 1..3600")
    if not (1 <= args.storm_users <= 1000 and 0 <= args.storms <= 100 and args.workers >= 1):
        p.error("--storm-users 1..1000, --storms 0..100, --workers >= 1")
    load.check_loopback(f"http://{args.host}:1/")
    for item in args.server_env:
        name, sep, _ = item.partition("=")
        if not sep or not name.startswith("BOOKSTORE_"):
            p.error(f"--server-env takes BOOKSTORE_NAME=VALUE, not {item!r}")
    return args


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    scenarios = args.scenarios.split(",")
    if any(s in READS or s == "login" for s in scenarios) and shutil.which("wrk") is None:
        print(f"bench: {load.wrk_missing_message()}", file=sys.stderr)
        return 2
    if args.profile:
        spy = shutil.which("py-spy") or Path(sys.executable).with_name("py-spy")
        if not Path(spy).exists():
            print("bench: --profile needs py-spy: .venv/bin/pip install py-spy", file=sys.stderr)
            return 2
        args.profile.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="bookstore-bench-"))
    servers: list[Server] = []
    results: list[dict[str, Any]] = []
    started = time.time()
    try:
        results = run_all(args, scenarios, workdir, servers)
    except (RuntimeError, OSError) as error:
        say(f"FAILED: {error}")
        args.keep = True
        return 2
    finally:
        for server in servers:
            server.stop()
        if args.keep:
            say(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(header_lines(args))
    for backend in ("sqlite", "postgresql"):
        mine = [r for r in results if r.get("backend", "sqlite") == backend]
        if mine:
            database = "SQLite file (WAL)" if backend == "sqlite" else f"PostgreSQL ({args.pg_url})"
            print(f"{database}:")
            print(table(mine))
            print()
    for server in servers:
        print(rss_line(server))
    ok = all(passed(r) for r in results)
    print(
        f"correctness: {'OK' if ok else 'FAIL'} (no 5xx, no dropped connection, reads all 2xx, "
        f"storms exact); {time.time() - started:.0f} s in all"
    )
    if args.out:
        payload = {
            "args": {k: str(v) for k, v in vars(args).items()},
            "results": results,
            "peak_rss_kib": {s.label: s.peak_rss for s in servers},
        }
        args.out.write_text(json.dumps(payload, indent=1, default=str) + "\n")
    return 0 if ok else 1


def passed(result: dict[str, Any]) -> bool:
    """No 5xx, nothing dropped, every read answered 2xx, every storm exact."""
    if "failed" in result or result["errors"]:
        return False
    if result.get("tool") == "wrk" and result["non2xx"]:
        return False
    return bool(result.get("correct", True))


def source_version() -> str:
    """The commit the server's code comes from, `-dirty` with uncommitted changes in src/."""
    repo = HERE.parent
    try:
        head = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--", "src"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("-dirty" if dirty else "")


def header_lines(args: argparse.Namespace) -> str:
    from importlib.metadata import version

    return (
        f"\nImagine Bookstore benchmark (source {source_version()}): {args.books:,} books, "
        + ("SQLite file (WAL) and PostgreSQL, " if args.pg_url else "SQLite file (WAL), ")
        + f"{args.workers} worker(s), {args.duration} s per scenario, reads at "
        f"{args.connections} connections (wrk, 1 thread), flows and storms by an asyncio "
        f"client; python {sys.version.split()[0]}, litestar {version('litestar')}, "
        f"sqlalchemy {version('sqlalchemy')}, uvicorn {version('uvicorn')}, "
        f"{os.cpu_count()} CPUs.\nServer: `bookstore serve`, rate limits off, "
        + (f"{', '.join(args.server_env)}, " if args.server_env else "")
        + "other settings default. Bench users' passwords are bcrypt cost "
        f"{args.bcrypt_rounds} (set-up only; the server's own setting is untouched)."
        + (" PROFILED with py-spy: slower than normal." if args.profile else "")
        + "\n"
    )


def run_all(
    args: argparse.Namespace, scenarios: list[str], workdir: Path, servers: list[Server]
) -> list[dict[str, Any]]:
    """Every scenario on SQLite, then (with `--pg-url`) every scenario on PostgreSQL."""
    results = run_target(args, scenarios, workdir, servers, "sqlite")
    if args.pg_url:
        load.check_loopback("http://" + (make_host(args.pg_url) or "127.0.0.1") + ":1/")
        results += run_target(args, scenarios, workdir, servers, "postgresql")
    return results


def run_target(
    args: argparse.Namespace,
    scenarios: list[str],
    workdir: Path,
    servers: list[Server],
    backend: str,
) -> list[dict[str, Any]]:
    """The catalogue, the users, the server, then each scenario, on one database."""
    postgresql = backend == "postgresql"
    url = args.pg_url if postgresql else f"sqlite:///{workdir / 'bookstore.db'}"
    name = "PostgreSQL" if postgresql else "SQLite"
    say(f"{name}: building the catalogue (books already there are kept)")
    ids = catalogue.build(url, args.books, quiet=postgresql)
    tag = secrets.token_hex(3)
    flow1 = [f"flow1-{tag}@bench.example.com"]
    flow32 = [f"flow32-{tag}-{i}@bench.example.com" for i in range(32)]
    storms = [
        [f"storm{run}-{tag}-{i}@bench.example.com" for i in range(args.storm_users)]
        for run in range(args.storms if "storm" in scenarios else 0)
    ]
    login = [f"login-{tag}@bench.example.com"]
    everyone = flow1 + flow32 + login + [e for run in storms for e in run]
    say(f"registering {len(everyone)} users (RegisterUser, bcrypt cost {args.bcrypt_rounds})")
    create_users(url, everyone, args.bcrypt_rounds)

    settings = dict(item.partition("=")[::2] for item in args.server_env)
    port = free_port(args.host)
    server = Server(backend, url, args.host, port, args.workers, workdir, settings)
    servers.append(server)
    say(f"starting the server on {server.base_url} ({args.workers} worker(s), {name})")
    server.start()
    if args.warmup:
        for path in ("/api/books?page=1&page_size=20", "/api/books/{id}"):
            load.run_wrk(server.base_url, path, duration=args.warmup, id_ranges=ids["flow_ids"])
    results: list[dict[str, Any]] = []
    for scenario in scenarios:
        runs = f"{args.storms} runs" if scenario == "storm" else f"{args.duration} s"
        say(f"scenario {scenario} ({runs}, {name})")
        seconds = args.duration + (1 if scenario.startswith("flow") else 0)
        pids = server.workers_pids()
        cpu_before, wall_before = cpu_seconds(pids), time.perf_counter()
        spy_seconds = seconds if scenario != "storm" else 30
        profile_name = f"{scenario}-{backend}" if postgresql else scenario
        try:
            with profiled(server, args.profile, profile_name, spy_seconds, args.profile_gil):
                if scenario in READS:
                    result = run_read(server, scenario, args, ids)
                elif scenario == "login":
                    result = run_login(server, args, login[0])
                elif scenario == "flow1":
                    result = run_flow(server, args, flow1, ids)
                elif scenario == "flow32":
                    result = run_flow(server, args, flow32, ids)
                else:
                    result = run_storms(server, args, storms, ids, name)
        except (RuntimeError, TimeoutError, ValueError) as error:
            result = {"label": scenario, "failed": str(error)[:300], "errors": 1}
        result["scenario"] = scenario
        result["backend"] = backend
        cpu_after = cpu_seconds(pids)
        if cpu_before is not None and cpu_after is not None and "failed" not in result:
            # over the whole scenario (set-up and warm-up included): the server's CPU use
            result["server_cpu_cores"] = (cpu_after - cpu_before) / (
                time.perf_counter() - wall_before
            )
            if scenario != "storm" and result["rate"]:
                result["server_cpu_ms_per_op"] = 1000 * result["server_cpu_cores"] / result["rate"]
        results.append(result)
        say("  " + table([result]).splitlines()[-2].strip())
        server.record_rss()
        time.sleep(0.5)
    server.record_rss()
    server.stop()
    return results


def make_host(database_url: str) -> str | None:
    """The host of a database URL (the PostgreSQL server must be on this machine too)."""
    from sqlalchemy.engine import make_url

    return make_url(database_url).host


if __name__ == "__main__":
    sys.exit(main())
