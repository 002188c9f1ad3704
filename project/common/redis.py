"""Redis for every plugin: one client per app, behind a circuit breaker.

Redis is a fast path, never the only truth, so every use of it goes through
`GuardedRedis.run`, which either answers or raises `RedisUnavailable`, and the
caller falls back (to the database, to a cache miss...). Short socket
timeouts (`REDIS_SOCKET_CONNECT_TIMEOUT`, `REDIS_SOCKET_TIMEOUT`) bound what
one failing call costs; after a failure the breaker counts Redis as down for
`REDIS_RETRY_INTERVAL` seconds, during which calls go straight to their
fallback without touching the network and nothing more is logged. Then one
call probes again; when Redis answers, everything uses it again.

Users: the session check (`project.auth.revocation`), the cache
(`project.common.cache`), the readiness probe. flask-limiter has its own
in-memory fallback (configured in `project.config`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import redis
from flask import Flask, current_app

from project.config import redis_client_options

EXTENSION_KEY = "postwell_redis"

T = TypeVar("T")
log = logging.getLogger(__name__)


class RedisUnavailable(Exception):
    """Redis failed, or is counted as down: use the fallback."""


class CircuitBreaker:
    """Closed (use Redis), open (don't, until `retry_interval` has passed), probing.

    Thread-safe: gunicorn's gthread workers share one per app. `clock` is
    `time.monotonic`, replaceable in tests.
    """

    def __init__(
        self,
        retry_interval: float,
        *,
        name: str = "Redis",
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.retry_interval = retry_interval
        self.name = name
        self.clock = clock or time.monotonic
        self._lock = threading.Lock()
        self._open_until: float | None = None  # None: closed
        self._probing = False

    @property
    def is_open(self) -> bool:
        with self._lock:
            return self._open_until is not None

    def allow(self) -> bool:
        """May this call use Redis? After the interval, exactly one call probes."""
        with self._lock:
            if self._open_until is None:
                return True
            if self._probing or self.clock() < self._open_until:
                return False
            self._probing = True
            return True

    def succeeded(self) -> None:
        with self._lock:
            recovered = self._open_until is not None
            self._open_until = None
            self._probing = False
        if recovered:
            log.info("%s is answering again; using it", self.name)

    def abandoned(self) -> None:
        """A call failed for another reason: let the next call probe instead."""
        with self._lock:
            self._probing = False

    def failed(self, error: BaseException) -> None:
        with self._lock:
            already_open = self._open_until is not None and not self._probing
            self._open_until = self.clock() + self.retry_interval
            self._probing = False
        if not already_open:  # once per interval, not once per request
            log.warning(
                "%s unavailable (%s: %s); using fallbacks, retrying in %g s",
                self.name,
                type(error).__name__,
                error,
                self.retry_interval,
            )


class GuardedRedis:
    """A Redis client whose every use goes through a `CircuitBreaker`."""

    def __init__(self, client: redis.Redis, breaker: CircuitBreaker) -> None:
        self.client = client
        self.breaker = breaker

    @classmethod
    def from_config(cls, url: str, config: Mapping[str, Any]) -> GuardedRedis:
        client = redis.Redis.from_url(url, **redis_client_options(config))
        return cls(client, CircuitBreaker(config["REDIS_RETRY_INTERVAL"]))

    def run(self, operation: Callable[[redis.Redis], T]) -> T:
        """`operation(client)`, or `RedisUnavailable` when Redis is (counted as) down."""
        if not self.breaker.allow():
            raise RedisUnavailable("Redis is counted as down")
        try:
            result = operation(self.client)
        except redis.RedisError as error:
            self.breaker.failed(error)
            raise RedisUnavailable(str(error)) from error
        except BaseException:
            self.breaker.abandoned()  # not Redis's fault: neither success nor failure
            raise
        self.breaker.succeeded()
        return result

    def close(self) -> None:
        self.client.close()


def init_app(app: Flask) -> None:
    url = app.config["REDIS_URL"]
    if url:
        app.extensions[EXTENSION_KEY] = GuardedRedis.from_config(url, app.config)


def get_redis(app: Flask | None = None) -> GuardedRedis | None:
    """The app's guarded Redis, or None without REDIS_URL."""
    return (app or current_app).extensions.get(EXTENSION_KEY)
