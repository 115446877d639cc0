"""Unguessable identifiers for users, orders and tokens."""

from __future__ import annotations

import secrets
import uuid


class RandomIds:
    def new_id(self) -> uuid.UUID:
        return uuid.uuid4()

    def new_token_id(self) -> str:
        return secrets.token_urlsafe(16)
