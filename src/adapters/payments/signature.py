"""`Bookstore-Signature`: Stripe's webhook signature scheme, on the standard library's `hmac`.

`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`; several `v1=` may be present
(a secret being rolled), one must match, compared in constant time; `t` must be within the
tolerance of now, so a captured delivery cannot be replayed later. The header's values are
never logged nor echoed back.
"""

from __future__ import annotations

import hashlib
import hmac

from bookstore.domain.payment import InvalidSignature

TOLERANCE_SECONDS = 300
MAX_HEADER_LEN = 4096


def signature_of(payload: bytes, secret: str, timestamp: int) -> str:
    signed = str(timestamp).encode() + b"." + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The header value a sender sets."""
    return f"t={timestamp},v1={signature_of(payload, secret, timestamp)}"


def verify(
    payload: bytes,
    header: str | None,
    secret: str,
    now: int,
    tolerance: int = TOLERANCE_SECONDS,
) -> None:
    """Raise `InvalidSignature` unless the header signs this payload, recently."""
    if not header or len(header) > MAX_HEADER_LEN:
        raise InvalidSignature()
    timestamps, candidates = [], []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            timestamps.append(value)
        elif name == "v1":
            candidates.append(value)
    if len(timestamps) != 1 or not timestamps[0].isdigit() or not candidates:
        raise InvalidSignature()
    timestamp = int(timestamps[0])
    if abs(now - timestamp) > tolerance:
        raise InvalidSignature()
    expected = signature_of(payload, secret, timestamp).encode()
    matched = False
    for candidate in candidates:  # every one compared: no early exit to time
        matched |= hmac.compare_digest(expected, candidate.encode("utf-8", "replace"))
    if not matched:
        raise InvalidSignature()
