"""How a long command shows its progress: a `rich` bar on a terminal (rows done, rate, time
left, from the bytes of the file read so far), plain lines otherwise (logs, pipes, CI)."""

from __future__ import annotations

import io
import sys
import time
from typing import IO, Self

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

PLAIN_EVERY_SECONDS = 5.0


class CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read from it (the progress of a stream)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.done = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        self.done += len(data)
        return len(data)


class RowProgress:
    """`update(rows)` after each batch; the fraction done is the share of the file read."""

    def __init__(self, reader: CountingReader, total_bytes: int, label: str) -> None:
        self._reader = reader
        self._total = max(total_bytes, 1)
        self._label = label
        self._started = time.monotonic()
        self._last_line = self._started
        console = Console(file=sys.stderr)
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rows]:,} rows, {task.fields[rate]:,.0f} rows/s"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=console,
            disable=not console.is_terminal,  # plain lines instead
        )
        self._task = self._bar.add_task(label, total=self._total, rows=0, rate=0.0)

    def __enter__(self) -> Self:
        self._bar.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._bar.stop()

    def update(self, rows: int) -> None:
        elapsed = max(time.monotonic() - self._started, 1e-9)
        rate = rows / elapsed
        if not self._bar.disable:
            self._bar.update(self._task, completed=self._reader.done, rows=rows, rate=rate)
            return
        now = time.monotonic()
        if now - self._last_line >= PLAIN_EVERY_SECONDS:
            self._last_line = now
            share = 100 * self._reader.done / self._total
            line = f"{self._label}: {rows:,} rows ({share:.0f}% of the file), {rate:,.0f} rows/s"
            click.echo(line, err=True)
