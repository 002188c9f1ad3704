"""The flask-caching backend on Redis: a Redis failure is a cache miss, never a 500.

`CACHE_TYPE` names `ResilientRedisCache` when REDIS_URL is set (see
`project.config`). It shares the app's `GuardedRedis` (one pool, one circuit
breaker, the short timeouts): while Redis is down, reads miss and writes are
dropped without touching the network, and the breaker logs once per interval.
Whatever caches on a request path builds on this.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_caching.backends.rediscache import RedisCache

from project.common.redis import GuardedRedis, RedisUnavailable, get_redis


def miss(value: Any) -> Callable[..., Any]:
    return lambda *args, **kwargs: value


# What each cache operation answers when Redis does not: a miss, or "not done".
FALLBACKS: dict[str, Callable[..., Any]] = {
    "get": miss(None),
    "get_many": lambda *keys: [None] * len(keys),
    "get_dict": lambda *keys: dict.fromkeys(keys),
    "has": miss(False),
    "set": miss(False),
    "add": miss(False),
    "set_many": miss([]),
    "delete": miss(False),
    "delete_many": miss([]),
    "unlink": miss(None),
    "clear": miss(False),
    "inc": miss(None),
    "dec": miss(None),
}


class ResilientRedisCache(RedisCache):
    guard: GuardedRedis

    @classmethod
    def factory(
        cls, app: Flask, config: dict[str, Any], args: list[Any], kwargs: dict[str, Any]
    ) -> ResilientRedisCache:
        url = config["CACHE_REDIS_URL"]
        shared = get_redis(app)
        guard = (
            shared
            if shared is not None and url == config["REDIS_URL"]
            else GuardedRedis.from_config(url, config)
        )
        key_prefix = config.get("CACHE_KEY_PREFIX")
        if key_prefix:
            kwargs["key_prefix"] = key_prefix
        cache = cls(*args, host=guard.client, **kwargs)
        cache.guard = guard
        return cache


def atomic_add(self: ResilientRedisCache, key: str, value: Any, timeout: int | None = None) -> bool:
    """`SET NX EX` in one command: cachelib's SETNX then EXPIRE leaves a key that
    never expires if the second command is lost (the response cache's locks use it)."""
    expires = self._normalize_timeout(timeout)
    return bool(
        self._write_client.set(
            name=f"{self._get_prefix()}{key}",
            value=self.serializer.dumps(value),
            nx=True,
            ex=expires if expires > 0 else None,
        )
    )


# The operations whose Redis implementation is not cachelib's.
OWN_METHODS: dict[str, Callable[..., Any]] = {"add": atomic_add}


def guarded(name: str) -> Callable[..., Any]:
    method = OWN_METHODS.get(name) or getattr(RedisCache, name)
    fallback = FALLBACKS[name]

    def operation(self: ResilientRedisCache, *args: Any, **kwargs: Any) -> Any:
        try:
            return self.guard.run(lambda client: method(self, *args, **kwargs))
        except RedisUnavailable:
            return fallback(*args, **kwargs)

    operation.__name__ = name
    operation.__doc__ = f"`{name}` on Redis; when Redis fails, as on a miss."
    return operation


for _name in FALLBACKS:
    setattr(ResilientRedisCache, _name, guarded(_name))
