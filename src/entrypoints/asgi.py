"""The ASGI application for uvicorn or granian: `bookstore.entrypoints.asgi:app`.

This is the one module that builds the application at import time, from the environment.
"""

from __future__ import annotations

from bookstore.entrypoints.container import create_container
from bookstore.entrypoints.http import create_app
from bookstore.entrypoints.settings import load_settings

app = create_app(create_container(load_settings()))
