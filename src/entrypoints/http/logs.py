"""Log lines written to stderr in batches.

The access log writes a line per request. Written one at a time, each line is a `write`
system call on the event loop, which at a few thousand requests a second is a measurable
share of a catalogue read (docs/performance.md). This handler gathers lines and writes them
together: as soon as `max_lines` have gathered, when a line of WARNING or above comes (it
goes out at once, with those before it), and otherwise within `max_delay` seconds, so a
quiet server's lines still show promptly. At exit, `logging.shutdown` flushes what is left.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from typing import TextIO

MAX_LINES = 256
MAX_DELAY = 0.25


class BatchedStreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    def __init__(
        self,
        stream: TextIO | None = None,
        max_lines: int = MAX_LINES,
        max_delay: float = MAX_DELAY,
    ) -> None:
        super().__init__(stream)
        self.max_lines = max_lines
        self.max_delay = max_delay
        self._lines: list[str] = []
        self._oldest = 0.0
        _watch(self)

    def emit(self, record: logging.LogRecord) -> None:  # called with `self.lock` held
        try:
            line = self.format(record) + self.terminator
        except Exception:  # as StreamHandler does: a bad record must not break the caller
            self.handleError(record)
            return
        if not self._lines:
            self._oldest = time.monotonic()
        self._lines.append(line)
        if (
            record.levelno >= logging.WARNING
            or len(self._lines) >= self.max_lines
            or time.monotonic() - self._oldest >= self.max_delay
        ):
            self.flush()

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            lines, self._lines = self._lines, []
            if lines:
                self.stream.write("".join(lines))
            super().flush()

    def overdue(self) -> bool:
        return bool(self._lines) and time.monotonic() - self._oldest >= self.max_delay


class Formatter(logging.Formatter):
    """`logging.Formatter` that works out the date and time of day of `asctime` once a second
    rather than for every record: a request's line is otherwise a time zone conversion and a
    `strftime` (docs/performance.md). Same text; a `datefmt` of one's own is formatted as usual."""

    _second = -1
    _time_of_day = ""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        if datefmt or not self.default_msec_format:
            return super().formatTime(record, datefmt)
        second = int(record.created)
        if second != self._second:  # seconds in a row: at most one more call of strftime
            self._time_of_day = time.strftime(self.default_time_format, self.converter(second))
            self._second = second
        return self.default_msec_format % (self._time_of_day, record.msecs)


_watched: weakref.WeakSet[BatchedStreamHandler] = weakref.WeakSet()
_flusher_lock = threading.Lock()
_flusher: list[threading.Thread] = []


def flush_batched_logs() -> None:
    """Write out every handler's gathered lines now (at app shutdown)."""
    for handler in _watched_now():
        handler.flush()


def _watched_now() -> list[BatchedStreamHandler]:
    """A copy of the watched handlers: another thread may add one while this one iterates."""
    with _flusher_lock:
        return list(_watched)


def _watch(handler: BatchedStreamHandler) -> None:
    """Have the process's one flusher thread (a daemon, started on first use) write out the
    lines of this handler when it goes quiet."""
    with _flusher_lock:
        _watched.add(handler)
        if not _flusher:
            thread = threading.Thread(target=_flush_quiet_handlers, name="log-flusher", daemon=True)
            thread.start()
            _flusher.append(thread)


def _flush_quiet_handlers() -> None:
    while True:
        time.sleep(MAX_DELAY / 2)
        for handler in _watched_now():
            if handler.overdue():
                handler.flush()
