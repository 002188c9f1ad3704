"""One Redis client per app (a connection pool), when REDIS_URL is set."""

from __future__ import annotations

import redis
from flask import Flask, current_app

EXTENSION_KEY = "postwell_redis"


def init_app(app: Flask) -> None:
    url = app.config["REDIS_URL"]
    if url:
        app.extensions[EXTENSION_KEY] = redis.Redis.from_url(
            url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=30
        )


def get_redis() -> redis.Redis | None:
    return current_app.extensions.get(EXTENSION_KEY)
