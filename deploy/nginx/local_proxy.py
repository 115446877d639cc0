"""Run the shipped `bookstore.conf` on loopback, unprivileged, in front of local instances.

    python deploy/nginx/local_proxy.py --port 8080 --upstream 8001 --upstream 8002

Everything nginx writes (its pid, logs and temporary files) goes under a folder of its own,
so it needs no system configuration; only the ports of the shipped file change. The
scale-out test and the scale benchmark (`bench/compare.py --instances 2`) run the proxy
this way, so what they measure is the file operators deploy.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

SHIPPED_CONF = Path(__file__).resolve().parent / "bookstore.conf"
START_SECONDS = 10


def nginx_binary() -> str | None:
    """Debian installs nginx under /usr/sbin, which is not on every user's PATH."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def proxy_conf(upstreams: list[int], port: int, conf: Path = SHIPPED_CONF) -> str:
    """The shipped configuration, listening on 127.0.0.1:`port` in front of `upstreams`."""
    text = conf.read_text()
    servers = re.findall(r"^ *server 127\.0\.0\.1:\d+ (.*);$", text, flags=re.MULTILINE)
    if not servers:
        raise ValueError(f"{conf} lists no upstream server")
    options = servers[0]
    lines = "".join(f"    server 127.0.0.1:{p} {options};\n" for p in upstreams)
    text, replaced = re.subn(r"(?:^ *server 127\.0\.0\.1:\d+ .*;\n)+", lines, text, flags=re.M)
    text, listens = re.subn(r"^( *)listen 80;$", rf"\1listen 127.0.0.1:{port};", text, flags=re.M)
    if (replaced, listens) != (1, 1):
        raise ValueError(f"the shape of {conf} changed: one upstream block and `listen 80;`")
    return text


def _main_conf(prefix: Path) -> str:
    temp = "\n".join(
        f"  {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""
daemon off;
worker_processes 1;
pid {prefix / "nginx.pid"};
{"user root;" if os.geteuid() == 0 else ""}
events {{ worker_connections 1024; }}
http {{
  access_log {prefix / "access.log"};
{temp}
  include {prefix / "bookstore.conf"};
}}
"""


@contextmanager
def running_proxy(binary: str, workdir: Path, upstreams: list[int], port: int) -> Iterator[str]:
    """nginx in the foreground with everything of its own under `workdir`; its base URL, once
    it answers. Stopped gracefully (SIGQUIT) when the block ends."""
    prefix = workdir / "nginx"
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "bookstore.conf").write_text(proxy_conf(upstreams, port))
    (prefix / "nginx.conf").write_text(_main_conf(prefix))
    log = prefix / "error.log"
    command = [binary, "-p", f"{prefix}/", "-c", "nginx.conf", "-e", str(log)]
    with log.open("ab") as output:
        process = subprocess.Popen(command, stderr=subprocess.STDOUT, stdout=output)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while not _answers(f"{base}/health/live"):
            if process.poll() is not None:
                raise RuntimeError(f"nginx exited: {log.read_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not answer: {log.read_text()}")
            time.sleep(0.05)
        yield base
    finally:
        process.send_signal(signal.SIGQUIT)  # nginx's graceful stop
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _answers(url: str) -> bool:
    with suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:
        return bool(response.status == 200)
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--upstream", type=int, action="append", required=True, metavar="PORT")
    args = parser.parse_args()
    binary = nginx_binary()
    if binary is None:
        parser.error("nginx is not installed (Debian: apt-get install nginx)")
    with tempfile.TemporaryDirectory(prefix="bookstore-nginx-") as workdir:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        with running_proxy(binary, Path(workdir), args.upstream, args.port) as base:
            print(f"nginx on {base}, in front of {args.upstream}; Ctrl-C stops it", flush=True)
            with suppress(KeyboardInterrupt):
                signal.pause()
    return 0


if __name__ == "__main__":
    sys.exit(main())
