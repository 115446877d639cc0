"""Mail sent through an SMTP server with the standard library's `smtplib`.

`BOOKSTORE_SMTP_URL`: `smtp://user:password@host:port` (`?starttls=true` to upgrade the
connection before logging in; `smtps://` for TLS from the start). The password is never
logged nor put in an error.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from functools import partial
from urllib.parse import parse_qs, unquote, urlsplit

from bookstore.adapters.mail.message import message_of
from bookstore.application.notifications import Mail

TIMEOUT_SECONDS = 30


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    tls: bool = False

    @classmethod
    def parse(cls, url: str) -> SmtpServer:
        """Raise `ValueError` (naming no secret) for a URL that is not an SMTP server's."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("must look like smtp://user:password@host:port[?starttls=true]")
        query = parse_qs(parts.query)
        starttls = query.get("starttls", ["false"])[0].lower() in ("true", "1", "yes")
        tls = parts.scheme == "smtps"
        return cls(
            parts.hostname,
            parts.port or (465 if tls else 587 if starttls else 25),
            unquote(parts.username) if parts.username else None,
            unquote(parts.password) if parts.password else None,
            starttls,
            tls,
        )


class SmtpMailer:
    def __init__(self, server: SmtpServer, sender: str) -> None:
        self._server = server
        self._sender = sender

    def send(self, mail: Mail) -> None:
        server = self._server
        context = ssl.create_default_context()
        connect = partial(smtplib.SMTP_SSL, context=context) if server.tls else smtplib.SMTP
        with connect(server.host, server.port, timeout=TIMEOUT_SECONDS) as client:
            if server.starttls:
                client.starttls(context=context)
            if server.username is not None:
                client.login(server.username, server.password or "")
            client.send_message(message_of(mail, self._sender))
