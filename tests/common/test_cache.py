"""The Redis cache backend: a Redis failure is a cache miss, never an error.

The response cache (`project.common.response_cache`) builds on this; its own
tests are in test_response_cache.py and tests/resilience.
"""

from __future__ import annotations

import logging
import time

import pytest
from flask_caching.backends.rediscache import RedisCache

from project.common.cache import ResilientRedisCache
from project.common.redis import get_redis
from project.extensions import cache

pytestmark = pytest.mark.committing  # apps of their own; they write no rows


@pytest.fixture
def cached_app(build_app, redis_server):
    app = build_app(REDIS_URL=redis_server.url)
    with app.app_context():
        yield app


def test_redis_url_selects_the_resilient_backend_sharing_the_breaker(cached_app):
    backend = cache.cache

    assert isinstance(backend, ResilientRedisCache)
    assert backend.guard is get_redis(cached_app)


def test_reads_and_writes_go_to_redis(cached_app, redis_server):
    assert cache.set("greeting", {"hello": "world"}) is True

    assert cache.get("greeting") == {"hello": "world"}
    assert redis_server.client().exists("postwell:cache:greeting") == 1


def test_redis_stopped_is_a_miss_not_an_error(cached_app, redis_server, caplog):
    cache.set("greeting", "hello")
    redis_server.stop()

    with caplog.at_level(logging.WARNING, logger="project.common.redis"):
        assert cache.get("greeting") is None
        assert cache.set("greeting", "again") is False
        assert cache.add("other", 1) is False
        assert cache.has("greeting") is False
        assert cache.get_many("greeting", "other") == [None, None]
        assert cache.get_dict("greeting", "other") == {"greeting": None, "other": None}
        assert cache.set_many({"a": 1}) == []
        assert cache.delete("greeting") is False
        assert cache.delete_many("greeting", "other") == []
        assert cache.cache.inc("counter") is None
        assert cache.clear() is False

    assert len([r for r in caplog.records if "Redis unavailable" in r.getMessage()]) == 1


def test_redis_hung_is_a_quick_miss(cached_app, redis_server):
    cache.set("greeting", "hello")
    redis_server.pause()

    started = time.monotonic()
    results = [cache.get("greeting") for _ in range(10)]

    assert results == [None] * 10
    assert time.monotonic() - started < 2  # one read timeout, then no network


def test_the_cache_is_used_again_when_redis_returns(build_app, redis_server):
    app = build_app(REDIS_URL=redis_server.url, REDIS_RETRY_INTERVAL=0.2)
    with app.app_context():
        redis_server.stop()
        assert cache.get("greeting") is None
        redis_server.start()
        time.sleep(0.3)  # past REDIS_RETRY_INTERVAL

        assert cache.set("greeting", "back") is True
        assert cache.get("greeting") == "back"


def test_the_plain_backend_would_raise(cached_app, redis_server):
    """What the wrapper prevents: flask-caching's RedisCache lets the error out."""
    redis_server.stop()

    with pytest.raises(Exception, match="connecting"):
        RedisCache.get(cache.cache, "greeting")


def test_add_sets_its_expiry_in_the_same_command(cached_app, redis_server):
    """A lock taken with `add` can never be left without an expiry."""
    assert cache.add("lock", 1, timeout=7) is True
    assert cache.add("lock", 2, timeout=7) is False
    assert 0 < redis_server.client().ttl("postwell:cache:lock") <= 7
    assert cache.get("lock") == 1
