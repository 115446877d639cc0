"""Password hashers: bcrypt for real use, and a fast one for tests.

bcrypt reads at most 72 bytes of a password (bcrypt 5 raises beyond that), yet every
character of a 128-character password must count. So the password is first reduced to a
fixed-length digest (SHA-256, base64: 44 bytes), and bcrypt hashes that.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading

import bcrypt

_DUMMY_PASSWORD = "no-account-has-this-password"


def _prehash(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode("utf-8", "surrogatepass")).digest())


class BcryptHasher:
    def __init__(self, rounds: int = 12) -> None:
        self._rounds = rounds
        self._dummy: str | None = None
        self._lock = threading.Lock()

    def hash(self, password: str) -> str:
        return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(self._rounds)).decode("ascii")

    def verify(self, password: str, password_hash: str) -> bool:
        try:
            return bcrypt.checkpw(_prehash(password), password_hash.encode("ascii"))
        except ValueError:
            return False

    def dummy_hash(self) -> str:
        with self._lock:
            if self._dummy is None:
                self._dummy = self.hash(_DUMMY_PASSWORD)
            return self._dummy


class FastHasher:
    """Salted SHA-256: quick enough for thousands of test users. Never for real passwords."""

    def hash(self, password: str) -> str:
        salt = secrets.token_hex(8)
        return f"fast${salt}${self._digest(salt, password)}"

    def verify(self, password: str, password_hash: str) -> bool:
        scheme, _, rest = password_hash.partition("$")
        salt, _, digest = rest.partition("$")
        return scheme == "fast" and hmac.compare_digest(digest, self._digest(salt, password))

    def dummy_hash(self) -> str:
        return self.hash(_DUMMY_PASSWORD)

    @staticmethod
    def _digest(salt: str, password: str) -> str:
        data = (salt + password).encode("utf-8", "surrogatepass")
        return hashlib.sha256(data).hexdigest()
