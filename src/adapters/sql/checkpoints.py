"""SQLite's WAL checkpoints, moved off the commits that would pay for them.

A SQLite connection checkpoints its WAL inside the commit that takes the log past
`wal_autocheckpoint` pages: it copies every page the log holds into the database file and
syncs both files (`synchronous=NORMAL`). That commit, and every request queued behind the
writer, waits for the disk; on an event loop, the whole process does.

`WalCheckpointer` does the same work on a thread of its own, on a connection of its own,
soon after this process's commits (`written`). A `PASSIVE` checkpoint never waits for
readers or writers, and none waits for it; pysqlite lets go of the GIL while SQLite copies
and syncs. Commits then find the log short, and checkpoint inline only if the thread falls
behind.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading

from sqlalchemy import Engine, event

logger = logging.getLogger("bookstore.storage")

PAUSE_SECONDS = 0.05
"""How long the thread lets commits gather before it checkpoints them."""
INLINE_PAGES = 10_000
"""`wal_autocheckpoint` of the engine's connections: a commit checkpoints only a log this long
(SQLite's default is 1,000 pages, a few hundred orders)."""


class WalCheckpointer:
    """Checkpoints a SQLite file's WAL on a daemon thread, started by the first commit of the
    process (a forked child starts its own) and stopped when the engine is disposed."""

    def __init__(self, engine: Engine, *, pause: float = PAUSE_SECONDS) -> None:
        self._engine = engine
        self._pause = pause
        self._written = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        event.listen(engine, "engine_disposed", lambda _engine: self.stop())
        event.listen(engine, "connect", _checkpoint_inline_late)

    def written(self) -> None:
        """Called after each commit: the log has pages to copy."""
        self._written.set()
        if self._pid != os.getpid():
            self._start()

    def stop(self) -> None:
        """Stop the thread (the next commit starts it again)."""
        with self._lock:
            thread, self._thread, self._pid = self._thread, None, 0
            self._stop.set()
            self._written.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            self._stop = threading.Event()
            self._pid = os.getpid()
            self._thread = threading.Thread(
                target=self._run, args=(self._stop,), name="sqlite-checkpointer", daemon=True
            )
            self._thread.start()

    def _run(self, stop: threading.Event) -> None:
        conn = self._connect()
        try:
            while not stop.is_set():
                self._written.wait()
                if stop.wait(self._pause):
                    return
                self._written.clear()
                self._checkpoint(conn)
        finally:
            conn.close()

    def _connect(self) -> sqlite3.Connection:
        """A connection outside the pool, made as the pool makes its own."""
        dialect = self._engine.dialect
        args, kwargs = dialect.create_connect_args(self._engine.url)
        conn = dialect.connect(*args, **kwargs)
        assert isinstance(conn, sqlite3.Connection)  # noqa: S101 (a SQLite engine's)
        conn.isolation_level = None
        return conn

    @staticmethod
    def _checkpoint(conn: sqlite3.Connection) -> None:
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").close()
        except sqlite3.Error as error:  # the next commit's own checkpoint is the fallback
            logger.warning("WAL checkpoint failed: %s: %s", type(error).__name__, error)


def _checkpoint_inline_late(dbapi_connection: sqlite3.Connection, _: object) -> None:
    dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={INLINE_PAGES}").close()
