"""Fixtures for the application-core tests (errors, observability, config, ...)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


class RecordingHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def clear(self) -> None:
        self.records.clear()


@pytest.fixture
def access_log() -> Iterator[RecordingHandler]:
    """Every record of the `postwell.access` logger during the test.

    The `postwell` logger does not propagate (caplog would see nothing) and
    runs at the test config's WARNING level, so the access logger is opened up
    to INFO here and restored afterwards.
    """
    logger = logging.getLogger("postwell.access")
    handler = RecordingHandler()
    previous_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous_level)
