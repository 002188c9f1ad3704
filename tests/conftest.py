"""Test fixtures: one app per session, every test inside a rolled-back transaction.

Backends follow the environment: SQLite in a temporary file by default;
`DATABASE_URL` (PostgreSQL) and `REDIS_URL` switch to the real services, and
then a missing service fails the run instead of skipping anything.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from project import create_app
from project.common.redis import EXTENSION_KEY as REDIS_EXTENSION_KEY
from project.config import database_url
from project.extensions import cache, db
from tests.factories import PostFactory, UserFactory, bind_factories

CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
# The machine's Redis; CI has one even in the run whose app uses no Redis.
LOCAL_REDIS_URL = "redis://127.0.0.1:6379/15"
TRANSACTION_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")
JWT_TEST_KEY = "postwell-test-jwt-key-that-is-long-enough-for-hs256"


def backend_config(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if not url:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "postwell-test.db")
    return {
        "APP_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": database_url(url, url),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "SECRET_KEY": "postwell-test-secret-key-long-enough-for-signing",
        "JWT_SECRET_KEY": JWT_TEST_KEY,
        "LOG_LEVEL": "WARNING",
    }


@pytest.fixture(scope="session")
def app_config(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return backend_config(tmp_path_factory)


@pytest.fixture(scope="session")
def redis_url(app_config: dict[str, Any]) -> str:
    """A Redis for the tests that exercise Redis itself.

    REDIS_URL when set; under CI the machine's Redis, so that a missing Redis
    fails these tests there. Only on a bare machine without REDIS_URL do they
    skip (Redis is optional for Postwell).
    """
    url = app_config["REDIS_URL"] or (LOCAL_REDIS_URL if CI else None)
    if url is None:
        pytest.skip("needs Redis: set REDIS_URL (CI always has one)")
    return url


@pytest.fixture(scope="session")
def make_app(app_config: dict[str, Any]):
    """Build another app on the same backends (a second 'instance')."""

    def factory(**overrides: Any) -> Flask:
        return create_app({**app_config, **overrides})

    return factory


@pytest.fixture
def build_app(app: Flask, make_app) -> Iterator[Any]:
    """`make_app` for one test: its engines and Redis pools are closed afterwards.

    Depends on `app` so the tables exist. These apps are outside the per-test
    rollback: tests that write through them are `committing` and clean up.
    """
    built: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        instance = make_app(**overrides)
        built.append(instance)
        return instance

    yield factory
    for instance in built:
        with instance.app_context():
            db.session.remove()
            db.engine.dispose()
        client = instance.extensions.get(REDIS_EXTENSION_KEY)
        if client is not None:
            client.close()


@pytest.fixture(scope="session")
def app(make_app) -> Iterator[Flask]:
    app = make_app()
    with app.app_context():
        engine = db.engine
        # Reachability first: with DATABASE_URL/REDIS_URL set, a missing
        # service must fail the run loudly.
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        if app.config["REDIS_URL"]:
            client = redis.Redis.from_url(app.config["REDIS_URL"])
            client.ping()
            client.flushdb()
        db.drop_all()
        db.create_all()
        if engine.dialect.name == "sqlite":
            enable_sqlite_savepoints(engine)
        db.session.configure(join_transaction_mode="create_savepoint")
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def enable_sqlite_savepoints(engine: sa.Engine) -> None:
    """pysqlite's transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN.

    The recipe from SQLAlchemy's SQLite dialect docs ("Serializable isolation /
    Savepoints / Transactional DDL").
    """

    @sa.event.listens_for(engine, "connect")
    def do_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def do_begin(connection):
        connection.exec_driver_sql("BEGIN")

    engine.dispose()


@pytest.fixture(autouse=True)
def _push_request_context() -> Iterator[None]:
    """Replace pytest-flask's fixture of this name with one that pushes nothing.

    pytest-flask keeps one request context (so one app context) open for the
    whole test; Flask then reuses it for every request the test makes, with
    one SQLAlchemy session and one `g` for all of them. Without it each
    request gets its own app context and session, as in production.
    """
    yield


@pytest.fixture(autouse=True)
def db_transaction(request: pytest.FixtureRequest) -> Iterator[sa.Connection | None]:
    """Run each test in one outer transaction that is rolled back afterwards.

    The app's engine is swapped for that connection in `db.engines`; sessions
    join it with SAVEPOINTs, so the code under test may commit freely.
    Tests marked `committing` (several app instances, real commits) opt out.
    """
    if request.node.get_closest_marker("committing"):
        yield None
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        engines = db.engines
        engine = engines[None]
        connection = engine.connect()
        transaction = connection.begin()
        engines[None] = connection
        cache.clear()
    try:
        yield connection
    finally:
        with app.app_context():
            db.session.remove()
            engines[None] = engine
        transaction.rollback()
        connection.close()


@pytest.fixture
def session(db_transaction: sa.Connection | None) -> Iterator[Session]:
    """A session on the test's connection, for setup and for checking what is stored.

    Requests made through `client` use the app's own sessions on the same
    connection, so each sees what the other committed.
    """
    assert db_transaction is not None, "committing tests manage their own data"
    with Session(
        bind=db_transaction, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as session:
        bind_factories(session)
        yield session


@pytest.fixture
def user_factory(session) -> type[UserFactory]:
    return UserFactory


@pytest.fixture
def post_factory(session) -> type[PostFactory]:
    return PostFactory


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class Api:
    """A tiny client for tests: login, and requests with or without a token."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, login: str, password: str = "password123") -> dict[str, Any]:
        response = self.client.post(
            "/api/v1/auth/login", json={"login": login, "password": password}
        )
        assert response.status_code == 200, response.json
        return response.json

    def token_for(self, user, password: str = "password123") -> str:
        return self.login(user.username, password)["access_token"]

    @staticmethod
    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)


@pytest.fixture
def count_queries():
    """Collect the SQL statements sent while the returned context manager is open."""

    @contextmanager
    def counting() -> Iterator[list[str]]:
        statements: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
                statements.append(statement)

        sa.event.listen(sa.Engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            sa.event.remove(sa.Engine, "before_cursor_execute", record)

    return counting
