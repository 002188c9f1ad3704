"""Configuration: one class per environment, values from the process environment.

`APP_ENV` picks the class (development, testing, production). Every setting an
operator may change is read from an environment variable here and nowhere else;
`.env` / `.flaskenv` files are loaded by Flask's CLI (python-dotenv) and by
`wsgi.py`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, MutableMapping
from datetime import timedelta
from typing import Any

from redis.backoff import NoBackoff
from redis.retry import Retry

from project.common.database import engine_options

ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")
DEV_SECRET = "postwell-development-secret-key-not-for-production-use"
DEFAULT_PLUGINS = (
    "project.users",
    "project.auth",
    "project.tags",
    "project.posts",
    "project.comments",
    "project.likes",
    "project.follows",
    # The RealWorld (Conduit) API at /api, over all of the above: last.
    "project.realworld",
)


class ConfigError(RuntimeError):
    """Raised when the configuration cannot run safely (e.g. missing secrets)."""


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def env_bool(name: str, default: bool) -> bool:
    """A yes/no setting; a value that is neither (`ture`) stops the app, never means "off"."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_list(name: str, default: tuple[str, ...]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_origins(name: str) -> list[str]:
    """Browser origins allowed by CORS: `*` or `scheme://host[:port]`, comma-separated."""
    origins = env_list(name, ())
    for origin in origins:
        if origin != "*" and not ORIGIN.fullmatch(origin):
            raise ConfigError(
                f"{name} takes origins like https://app.example.com (no path), got {origin!r}"
            )
    return origins


def database_url(raw: str | None, default: str) -> str:
    """Normalise DATABASE_URL so that PostgreSQL always goes through psycopg 3.

    Hosting platforms hand out `postgres://` URLs, which SQLAlchemy rejects.
    """
    url = (raw or "").strip() or default
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def redis_client_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments for every `redis.Redis.from_url`: short timeouts, no retries.

    One attempt per call, so a call costs at most one connect or one read
    timeout (redis-py's own default retries three times with back-off).
    Used by `project.common.redis` and handed to flask-limiter's Redis storage.
    """
    return {
        "socket_connect_timeout": config["REDIS_SOCKET_CONNECT_TIMEOUT"],
        "socket_timeout": config["REDIS_SOCKET_TIMEOUT"],
        "retry": Retry(NoBackoff(), 0),
        "health_check_interval": 30,
    }


class BaseConfig:
    """Settings shared by every environment; subclasses override.

    Values are read from the environment when the class is instantiated (in
    `create_app`), not at import time, so tests and CLI runs see their own.
    """

    APP_ENV = "base"
    TESTING = False
    DEBUG = False

    # PostgreSQL's pooled connections are checked without a round trip
    # (`project.common.database.drop_hung_up`); SQLite's are in process.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLALCHEMY_RECORD_QUERIES = False
    JWT_TOKEN_LOCATION = ["headers"]
    JWT_ALGORITHM = "HS256"
    JWT_DECODE_ALGORITHMS = ["HS256"]
    CACHE_KEY_PREFIX = "postwell:cache:"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_KEY_PREFIX = "postwell:limits"

    # OpenAPI / Swagger UI, assets served by Postwell itself.
    API_TITLE = "Postwell API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "api/v1/openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/docs/assets/"
    API_SPEC_OPTIONS = {
        "info": {
            "description": (
                "Users, authentication and posts. Every error is "
                "application/problem+json (RFC 9457)."
            )
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": (
                        "Paste the access_token from POST /api/v1/auth/login as it is,"
                        " without the word Bearer: Swagger UI adds it."
                    ),
                }
            }
        },
    }

    def __init__(self) -> None:
        env = os.environ
        self.SECRET_KEY = env.get("SECRET_KEY") or DEV_SECRET
        self.JWT_SECRET_KEY = env.get("JWT_SECRET_KEY") or DEV_SECRET
        self.SQLALCHEMY_DATABASE_URI = database_url(
            env.get("DATABASE_URL"), "sqlite:///postwell.db"
        )
        # Seconds. PostgreSQL only (see project.common.database); SQLite ignores them.
        self.DATABASE_CONNECT_TIMEOUT = env_float("DATABASE_CONNECT_TIMEOUT", 3)
        self.DATABASE_STATEMENT_TIMEOUT = env_float("DATABASE_STATEMENT_TIMEOUT", 10)
        self.DATABASE_POOL_TIMEOUT = env_float("DATABASE_POOL_TIMEOUT", 5)
        self.REDIS_URL = (env.get("REDIS_URL") or "").strip() or None
        self.MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 1024 * 1024)
        self.PLUGINS = env_list("PLUGINS", DEFAULT_PLUGINS)
        self.LOG_LEVEL = env.get("LOG_LEVEL", "INFO").upper()
        self.LOG_JSON = env_bool("LOG_JSON", False)
        self.JWT_ACCESS_TOKEN_EXPIRES = timedelta(
            seconds=env_int("JWT_ACCESS_TOKEN_EXPIRES", 15 * 60)
        )
        self.JWT_REFRESH_TOKEN_EXPIRES = timedelta(
            seconds=env_int("JWT_REFRESH_TOKEN_EXPIRES", 30 * 24 * 3600)
        )
        # The response cache (project.common.response_cache). Writes invalidate
        # at once; the timeout is only a backstop after which an entry is rebuilt.
        self.CACHE_ENABLED = env_bool("CACHE_ENABLED", True)
        self.CACHE_DEFAULT_TIMEOUT = env_int("CACHE_DEFAULT_TIMEOUT", 300)
        # After the timeout, one worker rebuilds while the others serve it this much longer.
        self.CACHE_REFRESH_WINDOW = env_int("CACHE_REFRESH_WINDOW", 30)
        # How long a request waits for another worker's rebuild before building itself.
        self.CACHE_REBUILD_WAIT = env_float("CACHE_REBUILD_WAIT", 0.2)
        self.RATE_LIMITS_ENABLED = env_bool("RATE_LIMITS_ENABLED", True)
        self.RATELIMIT_DEFAULT = env.get("RATELIMIT_DEFAULT", "")
        self.RATELIMIT_AUTH = env.get("RATELIMIT_AUTH", "10 per minute")
        # Password checks once logged in (changing your password), per user and address.
        self.RATELIMIT_PASSWORD = env.get("RATELIMIT_PASSWORD", "5 per minute")
        self.PROXY_FIX_X_FOR = env_int("PROXY_FIX_X_FOR", 0)
        self.CORS_ORIGINS = env_origins("CORS_ORIGINS")
        # /metrics is served only when set, and only to this bearer token.
        self.METRICS_TOKEN = (env.get("METRICS_TOKEN") or "").strip() or None
        # Host names served (Flask checks them; see project.common.hosts); unset: any.
        self.TRUSTED_HOSTS = env_list("TRUSTED_HOSTS", ()) or None
        # argon2id cost (argon2-cffi's RFC 9106 low-memory profile by default).
        self.ARGON2_TIME_COST = env_int("ARGON2_TIME_COST", 3)
        self.ARGON2_MEMORY_COST = env_int("ARGON2_MEMORY_COST", 65536)
        self.ARGON2_PARALLELISM = env_int("ARGON2_PARALLELISM", 4)
        # Redis is a fast path, never the only truth (project.common.redis):
        # short timeouts, then a circuit breaker that retries after an interval.
        self.REDIS_SOCKET_CONNECT_TIMEOUT = env_float("REDIS_SOCKET_CONNECT_TIMEOUT", 0.25)
        self.REDIS_SOCKET_TIMEOUT = env_float("REDIS_SOCKET_TIMEOUT", 0.5)
        self.REDIS_RETRY_INTERVAL = env_float("REDIS_RETRY_INTERVAL", 5.0)
        self.REDIS_REQUIRED = env_bool("REDIS_REQUIRED", False)
        # How long Redis may vouch for a live session without asking the database.
        self.SESSION_CACHE_TTL = env_int("SESSION_CACHE_TTL", 60)
        # A spent refresh token presented again this soon yields the same successor.
        self.JWT_REFRESH_REUSE_INTERVAL = env_int("JWT_REFRESH_REUSE_INTERVAL", 10)
        # Mail (Flask-Mailman): "console" prints each mail; "smtp" sends through MAIL_SERVER.
        self.MAIL_BACKEND = env.get("MAIL_BACKEND", "console")
        self.MAIL_SERVER = env.get("MAIL_SERVER", "localhost")
        self.MAIL_PORT = env_int("MAIL_PORT", 25)
        self.MAIL_USERNAME = env.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = env.get("MAIL_PASSWORD") or None
        self.MAIL_USE_TLS = env_bool("MAIL_USE_TLS", False)
        self.MAIL_USE_SSL = env_bool("MAIL_USE_SSL", False)
        self.MAIL_TIMEOUT = env_int("MAIL_TIMEOUT", 10)
        self.MAIL_DEFAULT_SENDER = env.get("MAIL_DEFAULT_SENDER", "Postwell <no-reply@localhost>")
        # Seconds between the retries of a mail the worker failed to send.
        self.MAIL_RETRY_INTERVALS = [
            int(part) for part in env_list("MAIL_RETRY_INTERVALS", ("10", "60", "300"))
        ]
        self.PASSWORD_RESET_TOKEN_TTL = env_int("PASSWORD_RESET_TOKEN_TTL", 30 * 60)
        self.EMAIL_VERIFICATION_TOKEN_TTL = env_int("EMAIL_VERIFICATION_TOKEN_TTL", 48 * 3600)
        # Per client address and per target email, on the three mail routes.
        self.RATELIMIT_MAIL = env.get("RATELIMIT_MAIL", "5 per hour")
        self.REQUIRE_VERIFIED_EMAIL_TO_POST = env_bool("REQUIRE_VERIFIED_EMAIL_TO_POST", False)

    def finalize(self, config: MutableMapping[str, Any]) -> None:
        """Derive what follows from other settings, after overrides; then validate."""
        redis_url = config["REDIS_URL"]
        config.setdefault(
            "CACHE_TYPE",
            "project.common.cache.ResilientRedisCache" if redis_url else "SimpleCache",
        )
        if redis_url:
            config.setdefault("CACHE_REDIS_URL", redis_url)
            config.setdefault("RATELIMIT_STORAGE_OPTIONS", redis_client_options(config))
        config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
        config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
            config["SQLALCHEMY_DATABASE_URI"],
            config["SQLALCHEMY_ENGINE_OPTIONS"],
            connect_timeout=config["DATABASE_CONNECT_TIMEOUT"],
            statement_timeout=config["DATABASE_STATEMENT_TIMEOUT"],
            pool_timeout=config["DATABASE_POOL_TIMEOUT"],
        )
        # Redis down: count in process memory (limits stay enforced per process)
        # and probe Redis again on flask-limiter's own back-off schedule.
        config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
        self.validate(config)

    @staticmethod
    def validate(config: Mapping[str, Any]) -> None:
        """Refuse configurations that would run unsafely; overridden per env."""


class DevelopmentConfig(BaseConfig):
    APP_ENV = "development"


class TestingConfig(BaseConfig):
    APP_ENV = "testing"
    TESTING = True
    SQLALCHEMY_RECORD_QUERIES = True

    def __init__(self) -> None:
        super().__init__()
        self.RATE_LIMITS_ENABLED = False
        # Mail stays in memory (flask_mailman's `mail.outbox`) unless a test sends it.
        self.MAIL_BACKEND = "locmem"
        # Cheap hashes keep the suite fast; production cost is set above.
        self.ARGON2_TIME_COST = 1
        self.ARGON2_MEMORY_COST = 1024
        self.ARGON2_PARALLELISM = 1


class ProductionConfig(BaseConfig):
    APP_ENV = "production"

    @staticmethod
    def validate(config: Mapping[str, Any]) -> None:
        for key in ("SECRET_KEY", "JWT_SECRET_KEY"):
            value = config.get(key) or ""
            if value == DEV_SECRET or len(value) < 32:
                raise ConfigError(
                    f"{key} must be set to a random value of at least 32 "
                    "characters in production "
                    '(e.g. python -c "import secrets; print(secrets.token_hex(32))")'
                )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_class(app_env: str | None = None) -> type[BaseConfig]:
    name = (app_env or os.environ.get("APP_ENV") or "development").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError as exc:
        raise ConfigError(f"APP_ENV must be one of {', '.join(CONFIGS)}; got {name!r}") from exc
