"""The circuit breaker every Redis use goes through (project.common.redis)."""

from __future__ import annotations

import logging
import time

import pytest
import redis

from project.common.redis import CircuitBreaker, GuardedRedis, RedisUnavailable, get_redis
from project.config import redis_client_options

BREAKER_LOG = "project.common.redis"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def breaker(clock) -> CircuitBreaker:
    return CircuitBreaker(retry_interval=5, clock=clock)


def warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == BREAKER_LOG]


class TestCircuitBreaker:
    def test_closed_allows_every_call(self, breaker):
        assert all(breaker.allow() for _ in range(3))
        assert breaker.is_open is False

    def test_a_failure_opens_it_for_the_interval(self, breaker, clock):
        breaker.failed(ConnectionError("refused"))

        assert breaker.is_open
        assert breaker.allow() is False
        clock.now += 4.9
        assert breaker.allow() is False

    def test_after_the_interval_exactly_one_call_probes(self, breaker, clock):
        breaker.failed(ConnectionError("refused"))
        clock.now += 5

        assert breaker.allow() is True
        assert breaker.allow() is False  # others keep to their fallback meanwhile
        assert breaker.allow() is False

    def test_a_successful_probe_closes_it(self, breaker, clock, caplog):
        breaker.failed(ConnectionError("refused"))
        clock.now += 5
        breaker.allow()
        caplog.clear()

        with caplog.at_level(logging.INFO, logger=BREAKER_LOG):
            breaker.succeeded()

        assert breaker.is_open is False
        assert all(breaker.allow() for _ in range(3))
        assert warnings(caplog) == ["Redis is answering again; using it"]

    def test_a_failed_probe_opens_it_for_another_interval(self, breaker, clock):
        breaker.failed(ConnectionError("refused"))
        clock.now += 5
        assert breaker.allow()

        breaker.failed(ConnectionError("refused"))

        assert breaker.allow() is False
        clock.now += 5
        assert breaker.allow() is True

    def test_logs_once_per_interval_not_once_per_failure(self, breaker, clock, caplog):
        with caplog.at_level(logging.WARNING, logger=BREAKER_LOG):
            for _ in range(10):  # in-flight calls failing together
                breaker.failed(TimeoutError("Timeout reading from socket"))
            clock.now += 5
            breaker.allow()
            breaker.failed(TimeoutError("Timeout reading from socket"))

        assert (
            warnings(caplog)
            == [
                "Redis unavailable (TimeoutError: Timeout reading from socket); "
                "using fallbacks, retrying in 5 s"
            ]
            * 2
        )

    def test_a_probe_that_fails_for_another_reason_lets_the_next_call_probe(self, breaker, clock):
        breaker.failed(ConnectionError("refused"))
        clock.now += 5
        assert breaker.allow()

        breaker.abandoned()

        assert breaker.allow() is True


class TestGuardedRedis:
    @pytest.fixture
    def guard(self, app, redis_server, clock):
        client = redis.Redis.from_url(redis_server.url, **redis_client_options(app.config))
        guard = GuardedRedis(client, CircuitBreaker(retry_interval=5, clock=clock))
        yield guard
        guard.close()

    def test_runs_the_operation(self, guard):
        assert guard.run(lambda client: client.set("k", "v")) is True
        assert guard.run(lambda client: client.get("k")) == b"v"

    def test_redis_stopped_is_unavailable_then_not_touched(self, guard, redis_server, caplog):
        redis_server.stop()
        calls = []

        def ping(client):
            calls.append(1)
            return client.ping()

        with caplog.at_level(logging.WARNING, logger=BREAKER_LOG):
            for _ in range(20):
                with pytest.raises(RedisUnavailable):
                    guard.run(ping)

        assert len(calls) == 1  # the rest went straight to their fallback
        assert len(warnings(caplog)) == 1

    def test_redis_hung_costs_one_read_timeout_then_nothing(self, guard, redis_server):
        guard.run(lambda client: client.ping())  # a pooled connection, as in production
        redis_server.pause()

        started = time.monotonic()
        with pytest.raises(RedisUnavailable):
            guard.run(lambda client: client.ping())
        first = time.monotonic() - started
        started = time.monotonic()
        for _ in range(20):
            with pytest.raises(RedisUnavailable):
                guard.run(lambda client: client.ping())
        rest = time.monotonic() - started

        assert first < 2  # REDIS_SOCKET_TIMEOUT (0.5 s), not redis-py's defaults
        assert rest < 1

    def test_recovers_without_a_restart(self, guard, redis_server, clock):
        redis_server.stop()
        with pytest.raises(RedisUnavailable):
            guard.run(lambda client: client.ping())
        redis_server.start()
        with pytest.raises(RedisUnavailable):  # still within the interval
            guard.run(lambda client: client.ping())

        clock.now += 5

        assert guard.run(lambda client: client.ping()) is True
        assert guard.breaker.is_open is False

    def test_errors_that_are_not_redis_errors_pass_through(self, guard):
        with pytest.raises(ZeroDivisionError):
            guard.run(lambda client: 1 / 0)

        assert guard.breaker.is_open is False


def test_app_clients_have_short_timeouts(build_app, redis_server):
    """The defaults: 0.25 s to connect, 0.5 s to read; configurable."""
    app = build_app(REDIS_URL=redis_server.url, REDIS_SOCKET_TIMEOUT=0.75)

    options = get_redis(app).client.connection_pool.connection_kwargs
    assert options["socket_connect_timeout"] == 0.25
    assert options["socket_timeout"] == 0.75
    assert options["retry"].get_retries() == 0  # redis-py's default would retry 3 times
    assert app.config["RATELIMIT_STORAGE_OPTIONS"]["socket_timeout"] == 0.75
    assert app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] is True
