"""Ports for telling the outside world (§14): e-mail to customers, webhooks to other systems.

The worker calls them after the events' transactions committed, never inside a request. A
send that raises, or a webhook answered with anything but a 2xx, is a failed attempt,
retried later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bookstore.application.outbox import Event
from bookstore.domain.events import WebhookEndpoint


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str


class MailTemplates(Protocol):
    def render(self, event: Event, to: str) -> Mail:
        """The mail telling a customer about an event (one of `MAILED`), as plain text and
        HTML."""
        ...


class Mailer(Protocol):
    def send(self, mail: Mail) -> None:
        """Hand the mail over for delivery, or raise."""
        ...


class WebhookSender(Protocol):
    def post(self, endpoint: WebhookEndpoint, body: bytes, timestamp: int) -> int:
        """POST the event's JSON body to the endpoint, signed with its secret at `timestamp`
        (`Bookstore-Signature`); the response's status code. Raises when no answer came in
        time, or the destination is refused (`Destinations`)."""
        ...


class Destinations(Protocol):
    def check(self, url: str) -> None:
        """Refuse (`InvalidInput` on `url`) a URL the store may not call, such as one that
        resolves to a private or loopback address in production."""
        ...
