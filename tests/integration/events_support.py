"""A real HTTP receiver and a real SMTP server on loopback, for the delivery tests (here, not
under events/, so that every integration test can import them: the scale-out test too)."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from bookstore.adapters.payments.signature import verify
from bookstore.domain.payment import InvalidSignature


@dataclass
class Receiver:
    """Answers 500 to its first `failures` requests, then 200 (after `delay` seconds each).
    Remembers every event it accepted, the event id of every signed request whatever it
    answered (a retry carries the id of the attempt that failed), and whether each request's
    signature was valid for `secret` (set once the endpoint exists)."""

    failures: int = 0
    delay: float = 0.0
    secret: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    tried: list[str] = field(default_factory=list)
    """The event id of each validly signed request, in the order they came."""
    answered: list[int] = field(default_factory=list)
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    now: Callable[[], float] = time.time
    """The receiver's clock, for the signature's freshness."""

    def handle(self, body: bytes, signature: str | None) -> int:
        time.sleep(self.delay)
        with self.lock:
            try:
                verify(body, signature, self.secret, int(self.now()))
            except InvalidSignature:
                self.bad_signatures += 1
                self.answered.append(400)
                return 400
            event = json.loads(body)
            status = 500 if len(self.answered) < self.failures else 200
            self.answered.append(status)
            self.tried.append(event["id"])
            if status == 200:
                self.received.append(event)
            return status

    def counts(self) -> Counter[str]:
        with self.lock:
            return Counter(event["id"] for event in self.received)

    def wait_for(self, ids: set[str], timeout: float = 30) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ids <= set(self.counts()):
                return True
            time.sleep(0.05)
        return False


@contextmanager
def receiving(receiver: Receiver) -> Iterator[Receiver]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = receiver.handle(body, self.headers.get("Bookstore-Signature"))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.original_content or b""
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made by the `openssl` command."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@contextmanager
def smtp_server(
    user: str, password: str, tls: ssl.SSLContext | None = None
) -> Iterator[tuple[Inbox, int]]:
    """An SMTP server on loopback that takes a login, noting each successful one. With `tls`,
    it requires STARTTLS before anything else (and before the login); without, the login
    goes over the plain connection (loopback)."""
    inbox = Inbox()

    def authenticate(
        server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            user.encode(),
            password.encode(),
        )
        if ok:
            inbox.logins.append(user)
        return AuthResult(success=ok)

    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticate,
        auth_require_tls=tls is not None,
        tls_context=tls,
        require_starttls=tls is not None,
    )
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
