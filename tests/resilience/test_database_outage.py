"""PostgreSQL down, blackholed, slow or cut mid-request: 503s, bounded waits, recovery.

The app reaches PostgreSQL through `pg_proxy` (tests/fixtures/tcp_proxy.py),
which the tests switch between forwarding, refusing and blackholing. Small
timeouts keep each test to a few seconds; the bounds asserted are generous.
"""

from __future__ import annotations

import logging
import time
import uuid

import pytest
import sqlalchemy as sa
from flask import Flask

from project.common.database import engine_options
from project.extensions import db
from project.posts.models import Post
from project.users.models import User
from tests.kit import LOGIN, PASSWORD, assert_problem, bearer

pytestmark = pytest.mark.committing

POSTS = "/api/v1/posts"
USERS = "/api/v1/users"
# libpq's smallest connect timeout is 2 s; the answer deadline is connect + statement.
TIMEOUTS = {
    "DATABASE_CONNECT_TIMEOUT": 2,
    "DATABASE_STATEMENT_TIMEOUT": 1,
    "DATABASE_POOL_TIMEOUT": 2,
}
BOUND = 8  # seconds: the most any request may take while the database is out


@pytest.fixture
def proxied_app(build_app, pg_proxy) -> Flask:
    """Every answer built from the database (the response cache is tested below)."""
    return build_app(
        SQLALCHEMY_DATABASE_URI=pg_proxy.url, REDIS_URL=None, CACHE_ENABLED=False, **TIMEOUTS
    )


def timed_get(client, path: str):
    started = time.monotonic()
    response = client.get(path)
    return response, time.monotonic() - started


def assert_unavailable(response) -> dict:
    body = assert_problem(response, 503)
    assert response.headers["Retry-After"] == "5"
    assert "database" in body["detail"]
    # Connection details stay in the log.
    assert "127.0.0.1" not in response.get_data(as_text=True)
    return body


def test_refused_database_answers_503_quickly_with_one_log_line(proxied_app, pg_proxy, caplog):
    client = proxied_app.test_client()
    assert client.get(POSTS).status_code == 200  # a pooled connection exists

    pg_proxy.refuse()
    with caplog.at_level(logging.WARNING):
        responses = [timed_get(client, POSTS) for _ in range(3)]

    for response, elapsed in responses:
        assert_unavailable(response)
        assert elapsed < BOUND
    outage_lines = [r for r in caplog.records if r.name == "project.errors"]
    assert len(outage_lines) == 3
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in outage_lines)
    assert all(r.exc_info is None for r in caplog.records), "no tracebacks during an outage"


def test_blackholed_database_503_within_bounds_and_live_stays_up(proxied_app, pg_proxy):
    client = proxied_app.test_client()
    assert client.get(POSTS).status_code == 200

    pg_proxy.blackhole()
    # The pooled connection stops answering: the answer deadline closes it,
    # and the new one cannot connect within connect_timeout.
    response, elapsed = timed_get(client, POSTS)
    assert_unavailable(response)
    assert elapsed < BOUND

    live, elapsed = timed_get(client, "/health/live")
    assert live.status_code == 200
    assert elapsed < 1

    ready, elapsed = timed_get(client, "/health/ready")
    body = assert_problem(ready, 503)
    assert body["detail"] == "Not ready: database unavailable."
    assert elapsed < BOUND


def test_service_recovers_when_the_database_returns(proxied_app, pg_proxy):
    client = proxied_app.test_client()
    assert client.get(POSTS).status_code == 200

    pg_proxy.refuse()
    assert_unavailable(client.get(POSTS))
    assert client.get("/health/ready").status_code == 503

    pg_proxy.forward()
    # The same app, no restart: the pool drops the closed connections and reconnects.
    assert client.get(POSTS).status_code == 200
    assert client.get("/health/ready").status_code == 200

    pg_proxy.blackhole()
    assert_unavailable(client.get(POSTS))
    pg_proxy.forward()
    assert client.get(POSTS).status_code == 200


def test_a_pooled_connection_the_server_ended_is_replaced_without_an_error(build_app, postgres_url):
    """A restart ends every pooled connection (as pg_terminate_backend does one):
    the next request connects afresh. No ping round trip on each checkout: the
    pool sees the server's close on the idle socket (`drop_hung_up`)."""
    name = f"postwell-test-{uuid.uuid4().hex[:12]}"
    app = build_app(
        SQLALCHEMY_ENGINE_OPTIONS={
            "pool_size": 1,
            "max_overflow": 0,
            "connect_args": {"application_name": name},
        },
        REDIS_URL=None,
        CACHE_ENABLED=False,
    )
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is False
    client = app.test_client()
    assert client.get(POSTS).status_code == 200  # the pooled connection exists
    backends = sa.text("SELECT pid FROM pg_stat_activity WHERE application_name = :name")
    # Autocommit: pg_stat_activity is a snapshot per transaction.
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            [pid] = connection.execute(backends, {"name": name}).scalars().all()
            connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            deadline = time.monotonic() + 5
            while connection.execute(backends, {"name": name}).first() is not None:
                assert time.monotonic() < deadline, "the backend did not end"
                time.sleep(0.05)

        assert client.get(POSTS).status_code == 200
        assert client.get(f"{POSTS}?limit=1").status_code == 200
        with admin.connect() as connection:
            [new_pid] = connection.execute(backends, {"name": name}).scalars().all()
        assert new_pid != pid
    finally:
        admin.dispose()


def test_runaway_statement_is_cancelled_and_answers_503(build_app, postgres_url):
    app = build_app(SQLALCHEMY_DATABASE_URI=postgres_url, REDIS_URL=None, **TIMEOUTS)

    @app.get("/test-only/slow")
    def slow():
        db.session.execute(sa.text("SELECT pg_sleep(30)"))
        return {"slept": True}

    started = time.monotonic()
    response = app.test_client().get("/test-only/slow")

    assert_unavailable(response)
    assert time.monotonic() - started < BOUND
    with app.app_context():
        # Cancelled by the server: the connection itself is fine and reused.
        assert db.session.scalar(sa.text("SHOW statement_timeout")) == "1s"
        db.session.remove()


def test_write_cut_mid_request_leaves_nothing_half_written(proxied_app, pg_proxy, postgres_url):
    client = proxied_app.test_client()
    name = "cut" + uuid.uuid4().hex[:10]
    created = client.post(
        USERS, json={"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    user_id = created.json["id"]
    login = client.post(LOGIN, json={"login": name, "password": PASSWORD})
    headers = bearer(login.json["access_token"])
    writes: list[str] = []

    def cut_before_second_write(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            writes.append(statement)
            if len(writes) == 2:
                pg_proxy.refuse()

    with proxied_app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", cut_before_second_write)
    real = sa.create_engine(postgres_url)
    try:
        response = client.post(
            POSTS, json={"title": "Half", "body": "Never half."}, headers=headers
        )
        assert_unavailable(response)
        assert len(writes) == 2  # the post's INSERT went out, the count's UPDATE did not

        with real.connect() as connection:
            posts = connection.scalar(
                sa.select(sa.func.count()).select_from(Post).where(Post.author_id == user_id)
            )
            post_count = connection.scalar(sa.select(User.post_count).where(User.id == user_id))
        assert (posts, post_count) == (0, 0)

        sa.event.remove(engine, "before_cursor_execute", cut_before_second_write)
        pg_proxy.forward()
        response = client.post(
            POSTS, json={"title": "Whole", "body": "All or nothing."}, headers=headers
        )
        assert response.status_code == 201
        with real.connect() as connection:
            post_count = connection.scalar(sa.select(User.post_count).where(User.id == user_id))
        assert post_count == 1
    finally:
        if sa.event.contains(engine, "before_cursor_execute", cut_before_second_write):
            sa.event.remove(engine, "before_cursor_execute", cut_before_second_write)
        with real.begin() as connection:
            connection.execute(sa.delete(User).where(User.username == name))
        real.dispose()


def test_a_locked_sqlite_database_is_a_503_too(build_app, tmp_path):
    # Runs on every backend: SQLite "database is locked" is an outage, not a bug.
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    app = build_app(
        SQLALCHEMY_DATABASE_URI=url,
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"timeout": 0.1}},
        REDIS_URL=None,
    )
    with app.app_context():
        db.create_all()
    holder = sa.create_engine(url, connect_args={"isolation_level": None})
    try:
        with holder.connect() as connection:
            connection.exec_driver_sql("BEGIN EXCLUSIVE")
            assert_unavailable(app.test_client().get(POSTS))
            connection.exec_driver_sql("ROLLBACK")
        assert app.test_client().get(POSTS).status_code == 200
    finally:
        holder.dispose()


def test_timeouts_apply_to_postgresql_only():
    timeouts = {"connect_timeout": 3, "statement_timeout": 10, "pool_timeout": 5}
    assert engine_options("sqlite:///x.db", {"pool_pre_ping": True}, **timeouts) == {
        "pool_pre_ping": True
    }
    options = engine_options("postgresql+psycopg://h/db", {}, **timeouts)
    assert options["pool_pre_ping"] is False  # drop_hung_up checks without a round trip
    assert options["pool_timeout"] == 5
    assert options["connect_args"]["connect_timeout"] == 3
    assert options["connect_args"]["options"] == "-c statement_timeout=10000"


def test_cached_answers_are_still_served_while_the_database_is_out(build_app, pg_proxy):
    """No write can happen meanwhile, so a kept answer is still the current one."""
    app = build_app(SQLALCHEMY_DATABASE_URI=pg_proxy.url, REDIS_URL=None, **TIMEOUTS)
    client = app.test_client()
    cached = client.get(POSTS)
    assert cached.status_code == 200

    pg_proxy.refuse()
    again = client.get(POSTS)
    assert (again.status_code, again.data) == (200, cached.data)
    assert_unavailable(client.get(f"{POSTS}?limit=3"))  # never kept: built, and refused
