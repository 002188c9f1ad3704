"""Read-only requests read on PostgreSQL without BEGIN/ROLLBACK; writes keep their transaction.

`project.common.database.RequestSession` binds GET/HEAD/OPTIONS requests to
the app's read engine, whose connections are in autocommit. These tests watch
the driver connection under each statement, on an app of its own (the
per-test rollback shares one connection in a transaction, which the session
leaves alone).
"""

from __future__ import annotations

from collections.abc import Callable
from unittest import mock

import pytest
import sqlalchemy as sa

from project.common.database import RequestSession, engines_of, read_engine
from project.extensions import db
from tests.factories import UserFactory, bind_factories

# Nothing here writes: the failed login only reads.
pytestmark = pytest.mark.committing


@pytest.fixture
def single_connection_app(build_app, is_postgres):
    if not is_postgres:
        pytest.skip("SQLite keeps its in-process BEGIN: reads there cost no round trip")
    # One pooled connection: every request below reuses the same one. No
    # response cache: every read reaches the database.
    return build_app(
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0}, CACHE_ENABLED=False
    )


def driver_modes(app) -> tuple[list[tuple[str, str, bool]], Callable[[], None]]:
    """Record (engine, statement, driver autocommit) for every statement the
    app's engines run: "app" (its engine) or "read" (its read engine)."""
    seen: list[tuple[str, str, bool]] = []
    with app.app_context():
        engines = dict(zip(("app", "read"), engines_of(db.engine), strict=True))
    listeners = []
    for name, engine in engines.items():

        def record(conn, cursor, statement, parameters, context, executemany, name=name):
            seen.append((name, statement, conn.connection.dbapi_connection.autocommit))

        sa.event.listen(engine, "before_cursor_execute", record)
        listeners.append((engine, record))

    def stop() -> None:
        for engine, record in listeners:
            sa.event.remove(engine, "before_cursor_execute", record)

    return seen, stop


def test_reads_autocommit_on_the_read_engine_and_writes_keep_a_transaction(
    single_connection_app,
):
    client = single_connection_app.test_client()
    seen, stop = driver_modes(single_connection_app)
    try:
        assert client.get("/api/v1/posts").status_code == 200
        reads = list(seen)
        seen.clear()
        failed = client.post("/api/v1/auth/login", json={"login": "nobody", "password": "x" * 12})
        writes = list(seen)
        seen.clear()
        assert client.head("/api/v1/posts").status_code == 200
        heads = list(seen)
    finally:
        stop()
    assert failed.status_code == 401
    assert reads and all(engine == "read" and autocommit for engine, _, autocommit in reads), reads
    assert writes and all(engine == "app" and not autocommit for engine, _, autocommit in writes), (
        writes
    )
    assert heads and all(engine == "read" and autocommit for engine, _, autocommit in heads), heads


def test_a_read_holds_one_connection_for_its_core_reads_and_its_session(
    single_connection_app, session_factory_app
):
    """A post's likers: its visibility through the posts read model (Core), the
    likers through the ORM session. With one connection in the read pool both
    run on it (a second checkout would wait for the first), and it goes back
    to the pool when the request ends."""
    author = session_factory_app()
    with single_connection_app.app_context():
        engine = db.engine
    reader = read_engine(engine)
    with engine.begin() as connection:
        post_id = connection.exec_driver_sql(
            "INSERT INTO posts (author_id, title, body, status, created_at, updated_at)"
            " SELECT id, 'T', 'B', 'published', now(), now() FROM users"
            " WHERE username = %(author)s RETURNING id",
            {"author": author},
        ).scalar_one()
    connections: list[int] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        connections.append(id(conn.connection.dbapi_connection))

    begun = mock.Mock()
    sa.event.listen(reader, "before_cursor_execute", record)
    try:
        client = single_connection_app.test_client()
        response = client.get(f"/api/v1/posts/{post_id}/likes")
        assert response.status_code == 200, response.json
        assert response.json["items"] == []
        assert len(connections) == 2 and len(set(connections)) == 1, connections
        assert reader.pool.checkedout() == 0
        # A post alone is a Core read: no ORM session is even begun for it.
        sa.event.listen(RequestSession, "after_transaction_create", begun)
        assert client.get(f"/api/v1/posts/{post_id}").json["id"] == post_id
        assert reader.pool.checkedout() == 0
        assert not begun.called
    finally:
        sa.event.remove(reader, "before_cursor_execute", record)
        if sa.event.contains(RequestSession, "after_transaction_create", begun):
            sa.event.remove(RequestSession, "after_transaction_create", begun)
        with engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM posts WHERE id = %(id)s", {"id": post_id})


def test_the_read_engine_is_the_apps_database_in_autocommit(single_connection_app):
    with single_connection_app.app_context():
        engine = db.engine
    reader = read_engine(engine)
    assert reader.url == engine.url
    assert reader.pool.size() == engine.pool.size() == 1
    # Autocommit from the connection on, not switched at each checkout.
    assert reader.get_execution_options() == {}
    with reader.connect() as connection:
        assert connection.connection.dbapi_connection.autocommit
        connection.exec_driver_sql("SELECT 1")
    # Disposed with the app's engine: no connection of its own left open.
    assert reader.pool.checkedin() == 1
    engine.dispose()
    assert reader.pool.checkedin() == 0


def test_a_read_sees_what_a_write_just_committed(single_connection_app, session_factory_app):
    """Autocommit reads take a fresh snapshot per statement, like READ COMMITTED did."""
    client = single_connection_app.test_client()
    assert client.get("/api/v1/users?limit=100").status_code == 200  # the connection is warm
    username = session_factory_app()
    names = {user["username"] for user in client.get("/api/v1/users?limit=100").json["items"]}
    assert username in names


@pytest.fixture
def session_factory_app(single_connection_app):
    """`make()` commits a user through another connection; deleted afterwards."""
    made: list[int] = []
    engine = sa.create_engine(single_connection_app.config["SQLALCHEMY_DATABASE_URI"])

    def make() -> str:
        with sa.orm.Session(engine, expire_on_commit=False) as session:
            bind_factories(session)
            user = UserFactory()
            session.commit()
            made.append(user.id)
            return user.username

    yield make
    with engine.begin() as connection:
        for user_id in made:
            connection.execute(sa.text("DELETE FROM users WHERE id = :id"), {"id": user_id})
    engine.dispose()


def test_a_repeated_page_query_is_planned_once(single_connection_app, session_factory_app):
    """psycopg prepares a statement run five times on a connection; PostgreSQL
    then plans it once (a generic plan) if that plan is no worse than the ones
    it made for each run's values. With the page's limit as a parameter it
    never was on a large table (a LIMIT of unknown size looks expensive), and
    every page paid for a new plan, more than the query itself; `Keyset.page`
    writes the limit into the SQL."""
    author = session_factory_app()
    with single_connection_app.app_context():
        engine = db.engine
    insert = (
        "INSERT INTO posts (author_id, title, body, status, created_at, updated_at) "
        "SELECT users.id, 'T', 'B', 'published', now() - make_interval(secs => n), now() "
        "FROM users, generate_series(1, 5000) AS n WHERE users.username = %(author)s"
    )
    with engine.begin() as connection:
        connection.exec_driver_sql(insert, {"author": author})
        connection.exec_driver_sql("ANALYZE posts")
    try:
        client = single_connection_app.test_client()
        for _ in range(12):
            assert client.get("/api/v1/posts?limit=3").status_code == 200
        with read_engine(engine).connect() as connection:
            generic, custom = connection.exec_driver_sql(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                " WHERE statement LIKE %(page)s",
                {"page": "%FROM posts%ORDER BY%LIMIT%"},
            ).one()
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "DELETE FROM posts USING users"
                " WHERE posts.author_id = users.id AND users.username = %(author)s",
                {"author": author},
            )
            connection.exec_driver_sql("ANALYZE posts")
    assert generic >= 1, (generic, custom)
    assert custom <= 5, (generic, custom)
