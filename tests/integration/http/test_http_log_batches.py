"""The stderr handler behind the access log writes lines in batches, and never loses or
holds one back for long."""

from __future__ import annotations

import io
import logging
import time

from bookstore.entrypoints.http.logs import BatchedStreamHandler, Formatter


def _logger(handler: logging.Handler, name: str) -> logging.Logger:
    logger = logging.getLogger(f"bookstore.test.{name}")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger


def test_lines_go_out_together_when_enough_have_gathered() -> None:
    stream = io.StringIO()
    log = _logger(BatchedStreamHandler(stream, max_lines=3, max_delay=60), "batch")
    log.info("one")
    log.info("two")
    assert stream.getvalue() == ""
    log.info("three")
    assert stream.getvalue() == "one\ntwo\nthree\n"


def test_a_warning_goes_out_at_once_with_the_lines_before_it() -> None:
    stream = io.StringIO()
    log = _logger(BatchedStreamHandler(stream, max_lines=100, max_delay=60), "warning")
    log.info("served")
    log.warning("trouble")
    assert stream.getvalue() == "served\ntrouble\n"


def test_a_quiet_handler_writes_its_lines_within_the_delay() -> None:
    stream = io.StringIO()
    log = _logger(BatchedStreamHandler(stream, max_lines=100, max_delay=0.05), "quiet")
    log.info("alone")
    deadline = time.monotonic() + 5
    while stream.getvalue() == "" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert stream.getvalue() == "alone\n"


def test_flushing_writes_whatever_is_left() -> None:
    stream = io.StringIO()
    handler = BatchedStreamHandler(stream, max_lines=100, max_delay=60)
    log = _logger(handler, "flush")
    log.info("last words")
    handler.flush()
    assert stream.getvalue() == "last words\n"


def test_the_formatter_writes_the_time_as_logging_does_for_every_record() -> None:
    fmt = "%(levelname)s - %(asctime)s - %(name)s - %(message)s"
    ours, standard = Formatter(fmt), logging.Formatter(fmt)
    for created in (1_796_000_000.0, 1_796_000_000.999, 1_796_000_001.5, 1_796_000_000.25):
        record = logging.LogRecord("bookstore.access", logging.INFO, "", 0, "%s", ("x",), None)
        record.created, record.msecs = created, (created - int(created)) * 1000
        assert ours.format(record) == standard.format(record)
    with_datefmt = Formatter("%(asctime)s", datefmt="%H:%M")
    assert with_datefmt.format(record) == logging.Formatter("%(asctime)s", "%H:%M").format(record)
