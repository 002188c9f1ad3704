"""Fixtures for the application-core tests (errors, observability, config, ...)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from project.common.redis import EXTENSION_KEY as REDIS_EXTENSION_KEY
from project.extensions import db


@pytest.fixture
def build_app(make_app) -> Iterator[Callable[..., Flask]]:
    """`make_app`, but engines and Redis pools of the apps built are closed afterwards."""
    built: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        app = make_app(**overrides)
        built.append(app)
        return app

    yield factory
    for app in built:
        with app.app_context():
            db.engine.dispose()
        client = app.extensions.get(REDIS_EXTENSION_KEY)
        if client is not None:
            client.close()


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


@pytest.fixture
def is_postgres(app_config: dict[str, Any]) -> bool:
    return app_config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
