"""The HTTP API: a Litestar adapter over the use cases."""

from bookstore.entrypoints.http.app import create_app

__all__ = ["create_app"]
