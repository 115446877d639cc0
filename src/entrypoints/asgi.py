"""The ASGI application for uvicorn or granian: `bookstore.entrypoints.asgi:app`.

This is the one module that builds the application at import time, from the environment.
"""

from __future__ import annotations

import gc
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

# What the import built (modules, the app, the container) lives as long as the process. Out of
# the collector's sight, a full collection walks only what requests leave behind: over every
# object, it paused every request in flight (docs/performance.md).
gc.collect()
gc.freeze()
