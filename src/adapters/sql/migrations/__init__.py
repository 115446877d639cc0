"""Alembic migrations of the bookstore schema (`env.py`, `versions/`)."""
