"""Outgoing webhooks (§14): a signed POST with httpx, and the destinations the store may call.

The signature is the payments webhook's (`Bookstore-Signature`, Stripe's scheme), made by the
same code. Redirects are not followed (a 3xx is an answer, not a success), and every request
times out after 10 seconds.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import httpx

from bookstore.adapters.payments.signature import sign
from bookstore.domain.errors import InvalidInput
from bookstore.domain.events import WebhookEndpoint

TIMEOUT_SECONDS = 10.0
SIGNATURE_HEADER = "Bookstore-Signature"
USER_AGENT = "ImagineBookstore-Webhooks/1"


class PublicDestinations:
    """In production, URLs whose host resolves to a loopback, private, link-local or otherwise
    non-public address are refused (the store must not be made to call into its own network),
    unless `allow_private`."""

    def __init__(self, *, allow_private: bool) -> None:
        self._allow_private = allow_private

    def check(self, url: str) -> None:
        if self._allow_private:
            return
        try:
            host = urlsplit(url).hostname or ""
            found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError, ValueError) as error:
            raise InvalidInput.single("url", "must name a host that resolves") from error
        for *_, address in found:
            ip = ipaddress.ip_address(str(address[0]).split("%")[0])
            if not ip.is_global:
                raise InvalidInput.single(
                    "url", "must not resolve to a private, loopback or link-local address"
                )


class HttpxWebhookSender:
    def __init__(self, destinations: PublicDestinations) -> None:
        self._destinations = destinations
        self._client = httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False)

    def post(self, endpoint: WebhookEndpoint, body: bytes, timestamp: int) -> int:
        self._destinations.check(endpoint.url)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(body, endpoint.secret, timestamp),
            "User-Agent": USER_AGENT,
        }
        response = self._client.post(endpoint.url, content=body, headers=headers)
        return response.status_code

    def close(self) -> None:
        self._client.close()
