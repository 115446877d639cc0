"""Run the shared yardstick (`compare.sh` of the benchmark kit) against our server.

    python bench/compare.py --kit ../shared/bench                  # 3 rounds x 10 s
    python bench/compare.py --kit ../shared/bench --rounds 1 --duration 5   # a quick look
    python bench/compare.py --kit ../shared/bench --postgres postgresql://postgres@127.0.0.1/postgres
    python bench/compare.py --postgres ... --instances 2 --scenarios list,flow32   # scale-out

With `--postgres SERVER`, the service runs on a fresh database of that PostgreSQL server
(`ANALYZE`d once the catalogue is in, as the kit's README asks) and the kit measures it against
its PostgreSQL bare apps on the same server (`BENCH_BARE_DB`); the database is dropped after.

It builds the kit's catalogue (same seed, same ISBNs) into a fresh SQLite file through our
own SQL adapter (bench/catalogue.py), so the kit does not need to seed it through the API
(`BENCH_SEEDED=1`: it reads the ids back by ISBN); starts `bookstore serve` on a free
loopback port with rate limits off; runs `compare.sh` (which starts the two bare apps, runs
every scenario against the three in alternating order and prints medians and ratios); and
stops the server. The kit's own exit status is returned (0 every must holds, 1 one does
not, 2 the run could not be made).

With `--instances N` (N > 1), N servers share the database (and one JWT secret), each with
`--workers`, behind nginx running the shipped `deploy/nginx/bookstore.conf` on loopback
(`deploy/nginx/local_proxy.py`); the kit measures through the proxy. Only the first instance
runs the embedded worker, as production runs one.

compare.sh registers and logs in 83 users per round through our API. By default the server
hashes their passwords with bcrypt cost 4 (`BOOKSTORE_BCRYPT_ROUNDS=4`, said in the output):
registration and login are not in any timed scenario, and cost 12 adds minutes of set-up.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import catalogue  # noqa: E402

sys.path.insert(0, str(HERE.parent / "deploy" / "nginx"))
import local_proxy  # noqa: E402
from run import Server, free_port, rss_line, say, source_version  # noqa: E402


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_kit = HERE.parent.parent / "shared" / "bench"
    p.add_argument("--kit", type=Path, default=default_kit, help=f"({default_kit})")
    p.add_argument("--books", type=int, default=10_000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--duration", type=int, default=10)
    p.add_argument("--workers", type=int, default=1, help="processes per instance (1)")
    p.add_argument("--instances", type=int, default=1, help="servers behind nginx (1: no proxy)")
    p.add_argument(
        "--worker",
        choices=["embedded", "separate", "none"],
        default="embedded",
        help="where the jobs run (event delivery, expiry...): in the first instance (as `make "
        "run`), in a `bookstore worker` process beside it (production), or nowhere (embedded)",
    )
    p.add_argument("--scenarios", default="list,search,get,flow1,flow32,storm")
    p.add_argument("--bcrypt-rounds", type=int, default=4, help="server's bcrypt cost (4)")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    p.add_argument("--postgres", metavar="SERVER_URL", help="run on a fresh PostgreSQL database")
    args = p.parse_args()
    script = args.kit / "compare.sh"
    if not script.is_file():
        p.error(f"no compare.sh in {args.kit} (give the benchmark kit with --kit)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="bookstore-compare-"))
    url = f"sqlite:///{workdir / 'bookstore.db'}"
    if args.postgres:
        url = fresh_postgres_database(args.postgres, f"bookstore_bench_{os.getpid()}")
    extra = {
        "BOOKSTORE_BCRYPT_ROUNDS": str(args.bcrypt_rounds),
        "BOOKSTORE_JWT_SECRET": secrets.token_hex(32),  # one for every instance
        "BOOKSTORE_TRUSTED_PROXIES": "127.0.0.1",
    }
    servers = [
        Server(
            f"instance-{i + 1}",
            url,
            "127.0.0.1",
            free_port("127.0.0.1"),
            args.workers,
            workdir,
            extra if i == 0 and args.worker == "embedded" else extra | NO_EMBEDDED_WORKER,
        )
        for i in range(args.instances)
    ]
    if args.worker == "separate":
        servers.append(
            Server("worker", url, "127.0.0.1", 0, 1, workdir, extra | NO_EMBEDDED_WORKER, False)
        )
    proxy = ExitStack()
    try:
        say(f"building the kit's catalogue ({args.books:,} books) in {workdir}")
        catalogue.build(url, args.books)
        if args.postgres:
            analyze(url)
        for server in servers:
            server.start()
        target = servers[0].base_url
        if args.instances > 1:
            target = proxy.enter_context(nginx_in_front(servers[: args.instances], workdir))
        say(
            f"{args.instances} server(s) (source {source_version()}) on {target}, "
            f"{args.workers} worker(s) each, jobs: {args.worker}, "
            "rate limits off, "
            f"BOOKSTORE_BCRYPT_ROUNDS={args.bcrypt_rounds} (registration and login are set-up "
            "only, never timed)"
        )
        env = dict(os.environ)
        env.update(
            BENCH_SEEDED="1",
            BENCH_BOOKS=str(args.books),
            BENCH_ROUNDS=str(args.rounds),
            BENCH_DURATION=str(args.duration),
            BENCH_SCENARIOS=args.scenarios,
        )
        if args.postgres:
            env["BENCH_BARE_DB"] = plain_postgres_url(args.postgres)
        limit = 60 * (args.rounds * (6 * args.duration + 400) // 60 + 30)
        kit = subprocess.Popen(["bash", str(script), target], env=env)
        try:
            status = kit.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            say(f"compare.sh took more than {limit} s: stopping it")
            status = 2
        finally:
            if kit.poll() is None:  # TERM: its own trap stops the bare apps it started
                kit.terminate()
                try:
                    kit.wait(timeout=90)
                except subprocess.TimeoutExpired:
                    kit.kill()
                    kit.wait()
        for server in servers:
            server.record_rss()
            print(rss_line(server))
        return status
    finally:
        proxy.close()
        for server in servers:
            server.stop()
        if args.postgres:
            drop_postgres_database(args.postgres, url)
        if args.keep:
            say(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


NO_EMBEDDED_WORKER = {"BOOKSTORE_EMBEDDED_WORKER": "false"}


def nginx_in_front(servers: list[Server], workdir: Path) -> AbstractContextManager[str]:
    binary = local_proxy.nginx_binary()
    if binary is None:
        raise SystemExit("--instances needs nginx (Debian: apt-get install nginx)")
    upstreams = [server.port for server in servers]
    return local_proxy.running_proxy(binary, workdir, upstreams, free_port("127.0.0.1"))


def plain_postgres_url(url: str) -> str:
    """The URL as libpq reads it (no SQLAlchemy driver suffix)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def fresh_postgres_database(server_url: str, name: str) -> str:
    """Create database `name` on the server (dropping a leftover of that name); its URL."""
    from sqlalchemy.engine import make_url

    with _autocommit(server_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(server_url).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False)


def drop_postgres_database(server_url: str, database_url: str) -> None:
    from sqlalchemy.engine import make_url

    name = make_url(database_url).database
    with _autocommit(server_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def analyze(database_url: str) -> None:
    """Statistics for the planner after the bulk load."""
    with _autocommit(database_url) as conn:
        conn.execute("ANALYZE")


def _autocommit(url: str):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(plain_postgres_url(url), autocommit=True)


if __name__ == "__main__":
    sys.exit(main())
