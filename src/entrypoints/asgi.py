"""The ASGI application for uvicorn or granian: `bookstore.entrypoints.asgi:app`.

This is the one module that builds the application at import time, from the environment.
"""

from __future__ import annotations

import logging

from bookstore.entrypoints.container import create_container
from bookstore.entrypoints.http import create_app
from bookstore.entrypoints.settings import load_settings

# A server logs a line per request: its records skip the fields the log format never shows
# (the "Optimization" settings of Python's logging HOWTO), which are looked up per record.
logging.logThreads = False
logging.logProcesses = False
logging.logMultiprocessing = False
logging._srcfile = None  # no caller's file and line per record

app = create_app(create_container(load_settings()))
