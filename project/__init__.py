"""Postwell: a users-and-posts REST API. `create_app` is the table of contents."""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from project import http_headers, metrics, observability
from project.api import PostwellApi, build_api
from project.common import blueprint, conditional, hosts, jobs, ratelimit, response_cache
from project.common import redis as redis_client
from project.common.auth import check_token_hooks
from project.common.database import add_read_engine, release_read_connection
from project.config import config_class
from project.errors import register_error_handlers
from project.extensions import cache, db, jwt, mail, migrate
from project.plugins import register_plugins


class Postwell(Flask):
    """Flask, asking once per hook or view whether it is a coroutine function.

    Flask asks on every call (`ensure_sync`, for each of a request's dozen
    hooks and its view), and `inspect.iscoroutinefunction` unwraps partials and
    methods each time: 3% of a cached read. The answer for a function does not
    change. Remembered weakly: a per-request callback (`after_this_request`)
    goes with its request. Postwell has no async views; one would still run.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Values are flags, not the functions: a value would keep its key alive.
        self._is_coroutine: weakref.WeakKeyDictionary[Callable[..., Any], bool]
        self._is_coroutine = weakref.WeakKeyDictionary()

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        # A method by its function: a MethodView's is bound to a new view each request.
        key = func.__func__ if inspect.ismethod(func) else func
        try:
            is_coroutine = self._is_coroutine[key]
        except KeyError:
            is_coroutine = self._is_coroutine[key] = inspect.iscoroutinefunction(key)
        except TypeError:  # no weak reference to it: asked every time
            return super().ensure_sync(func)
        return self.async_to_sync(func) if is_coroutine else func


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build an app; `config` overrides the environment (tests use it)."""
    app = Postwell(__name__, instance_relative_config=True)
    blueprint.init_app(app)  # hostile JSON is a 400, a streamed body over the limit a 413
    load_config(app, config)
    observability.init_app(app)
    http_headers.init_app(app)
    conditional.init_app(app)  # ETag, Cache-Control, Vary; 304 for a current If-None-Match
    register_extensions(app)
    metrics.init_app(app)
    api = build_api(app)
    register_error_handlers(app)
    hosts.init_app(app)  # an untrusted Host (TRUSTED_HOSTS) is a 400 problem
    register_plugins(app, api)
    check_token_hooks(app)
    register_core_routes(app, api)
    return app


def load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    settings = config_class((overrides or {}).get("APP_ENV"))()
    app.config.from_object(settings)
    app.config.update(overrides or {})
    settings.finalize(app.config)
    # Collections answer with and without a trailing slash, never by redirect.
    app.url_map.strict_slashes = False
    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(
            app.wsgi_app,
            x_for=app.config["PROXY_FIX_X_FOR"],
            x_proto=app.config["PROXY_FIX_X_FOR"],
        )


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        options = {"echo": app.config["SQLALCHEMY_ECHO"], **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
        add_read_engine(db.engine, options)
    migrate.init_app(app, db, render_as_batch=True)
    jwt.init_app(app)
    redis_client.init_app(app)  # before the cache, which shares its client and breaker
    cache.init_app(app)
    response_cache.init_app(app)  # GET answers kept until a write changes them
    ratelimit.init_app(app)  # the limiter, and Retry-After on 429 only
    mail.init_app(app)
    jobs.init_app(app)  # deferred work: RQ with Redis, else after the response
    # One session (one transaction) per request, however app contexts are
    # pushed: a CLI command or a test may serve many requests in one context.
    # The end of an app context ends what code run outside a request held.
    app.teardown_request(end_request_session)
    app.teardown_appcontext(end_request_session)


def end_request_session(error: BaseException | None) -> None:
    db.session.remove()
    release_read_connection()


@event.listens_for(Engine, "connect")
def _enable_sqlite_foreign_keys(dbapi_connection, connection_record) -> None:
    """SQLite ignores foreign keys (and so ON DELETE CASCADE) unless asked."""
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def register_core_routes(app: Flask, api: PostwellApi) -> None:
    from project import docs, health

    api.register_blueprint(health.blp)
    docs.init_app(app)
