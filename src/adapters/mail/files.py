"""Mail written as `.eml` files (the default, so a developer sees what would be sent)."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bookstore.adapters.mail.message import message_of
from bookstore.application.notifications import Mail


class MailDirectory:
    """Each mail one file, `<UTC time>-<random>.eml`, written whole or not at all (a reader
    never sees half a message)."""

    def __init__(self, directory: Path, sender: str) -> None:
        self._directory = directory
        self._sender = sender

    def send(self, mail: Mail) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        data = message_of(mail, self._sender).as_bytes()
        fd, partial = tempfile.mkstemp(prefix=f"{stamp}-", suffix=".part", dir=self._directory)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(partial, partial.removesuffix(".part") + ".eml")
