"""Worker threads of their own for password hashing.

bcrypt keeps a core busy for a long moment per log-in or registration. On the event loop's
shared executor, a burst of log-ins held every worker thread and stalled catalogue reads
behind them (docs/performance.md, "Where the figures behind the code went"). The routes that
hash passwords therefore run on this small pool, which leaves a core to the rest.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class PasswordThreads:
    _pool: ThreadPoolExecutor | None = None

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        call = partial(contextvars.copy_context().run, fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._executor(), call)

    def shutdown(self) -> None:
        """Called when the app stops; a later `run` starts a new pool."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            workers = max(1, (os.cpu_count() or 2) - 1)  # a core left to the rest
            self._pool = ThreadPoolExecutor(workers, thread_name_prefix="bookstore-password")
        return self._pool
