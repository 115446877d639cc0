"""The `bookstore` console script (`python -m bookstore.entrypoints.cli` works too)."""

from bookstore.entrypoints.cli.app import cli, main

__all__ = ["cli", "main"]
