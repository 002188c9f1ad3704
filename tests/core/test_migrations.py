"""The migrations build exactly the schema the models describe, on a fresh database."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from project.common.models import UNMANAGED_INDEXES, is_managed, is_unmanaged_table
from project.extensions import db
from tests.kit import LOGIN, PASSWORD, bearer

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
TABLES = {
    "users",
    "posts",
    "auth_sessions",
    "refresh_tokens",
    "comments",
    "likes",
    "realworld_slugs",
    "follows",
    "tags",
    "post_tags",
    "account_tokens",
}

pytestmark = [
    pytest.mark.committing,
    # SQLite cannot reflect expression indexes (lower(username), lower(email)), so
    # SQLAlchemy warns while alembic compares; `index_names` checks them instead.
    pytest.mark.filterwarnings(
        "ignore:Skipped unsupported reflection of expression-based index:sqlalchemy.exc.SAWarning"
    ),
]


def is_phase_capture(handler: logging.Handler) -> bool:
    """pytest's caplog handler, replaced on the root logger for every test phase."""
    return type(handler).__name__ == "LogCaptureHandler"


@pytest.fixture
def keep_logging() -> Iterator[None]:
    """migrations/env.py runs `fileConfig`, which rewires the root logger; undo that.

    pytest swaps its caplog handlers on the root logger for every phase, so
    those are left to pytest; everything else is put back as it was.
    """
    root = logging.getLogger()
    root_level, root_handlers = root.level, root.handlers[:]
    names = ["alembic", "alembic.env", "sqlalchemy.engine", "flask_migrate"]
    saved = {
        name: (logger.level, logger.handlers[:], logger.propagate, logger.disabled)
        for name in names
        for logger in [logging.getLogger(name)]
    }
    try:
        yield
    finally:
        for handler in root.handlers[:]:
            if handler not in root_handlers and not is_phase_capture(handler):
                root.removeHandler(handler)
        for handler in root_handlers:
            if handler not in root.handlers and not is_phase_capture(handler):
                root.addHandler(handler)
        root.setLevel(root_level)
        for name, (level, handlers, propagate, disabled) in saved.items():
            logger = logging.getLogger(name)
            logger.setLevel(level)
            logger.handlers[:] = handlers
            logger.propagate = propagate
            logger.disabled = disabled


@pytest.fixture
def fresh_database_url(app_config, tmp_path) -> Iterator[str]:
    """A URL to a brand-new, empty database on the backend under test."""
    url = sa.make_url(app_config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"postwell_migrations_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture
def fresh_app(build_app, fresh_database_url, keep_logging):
    return build_app(SQLALCHEMY_DATABASE_URI=fresh_database_url)


def drift(engine: sa.Engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                # SQLite's FTS5 search table, PostgreSQL's search vector and its
                # index: made by the migrations and DDL events, not the models.
                "include_name": is_managed,
            },
        )
        return compare_metadata(context, db.metadata)


def table_names(engine: sa.Engine) -> set[str]:
    """The tables the models describe (unmanaged ones, such as FTS5's, left out)."""
    return {name for name in sa.inspect(engine).get_table_names() if not is_unmanaged_table(name)}


def all_table_names(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def index_names(engine: sa.Engine) -> set[str]:
    """Every index in the database by name, expression indexes included."""
    if engine.dialect.name == "sqlite":
        query = (
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            " AND tbl_name != 'alembic_version'"
        )
    else:
        query = (
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
            " AND tablename != 'alembic_version'"
            # A unique constraint's own index, like SQLite's unlisted autoindex:
            # the constraint is compared by `drift`.
            " AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype = 'u')"
        )
    with engine.connect() as connection:
        names = set(connection.execute(sa.text(query)).scalars())
    # Primary keys are constraints (compared by `drift`), indexed implicitly.
    return {name for name in names if not name.startswith("pk_")}


def model_index_names(engine: sa.Engine) -> set[str]:
    """The indexes the models make on this backend: some are PostgreSQL-only (`ddl_if`),
    and PostgreSQL's search vector index comes with its column's DDL."""

    def on_this_backend(index: sa.Index) -> bool:
        only = index._ddl_if.dialect if index._ddl_if is not None else None
        return only is None or only == engine.dialect.name

    declared = {
        index.name
        for table in db.metadata.tables.values()
        for index in table.indexes
        if on_this_backend(index)
    }
    return declared | (UNMANAGED_INDEXES if engine.dialect.name == "postgresql" else set())


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"migrations have several heads: {heads}"
    return heads[0]


def test_migrations_have_a_single_head():
    assert head() == "0012_post_tag_names"


def test_upgrade_on_a_fresh_database_matches_the_models(fresh_app):
    with fresh_app.app_context():
        engine = db.engine
        assert all_table_names(engine) == set()

        flask_migrate.upgrade(directory=str(MIGRATIONS))

        assert table_names(engine) == TABLES | {"alembic_version"}
        assert current_revision(engine) == head()
        assert drift(engine) == []
        assert index_names(engine) == model_index_names(engine)


def test_downgrade_to_base_then_upgrade_again(fresh_app):
    with fresh_app.app_context():
        engine = db.engine
        flask_migrate.upgrade(directory=str(MIGRATIONS))

        flask_migrate.downgrade(directory=str(MIGRATIONS), revision="base")

        assert all_table_names(engine) - {"alembic_version"} == set()
        assert index_names(engine) == set()
        assert current_revision(engine) is None

        flask_migrate.upgrade(directory=str(MIGRATIONS))

        assert table_names(engine) == TABLES | {"alembic_version"}
        assert drift(engine) == []
        assert index_names(engine) == model_index_names(engine)


def test_migrated_schema_serves_the_api(fresh_app):
    """The migrated (not create_all'd) schema takes real writes, constraints included."""
    with fresh_app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS))
    client = fresh_app.test_client()

    response = client.post(
        "/api/v1/users",
        json={"username": "migrated", "email": "migrated@example.com", "password": PASSWORD},
    )
    assert response.status_code == 201, response.json
    duplicate = client.post(
        "/api/v1/users",
        json={"username": "MIGRATED", "email": "other@example.com", "password": PASSWORD},
    )
    assert duplicate.status_code == 409, duplicate.json
    assert client.get("/health/ready").status_code == 200


# --- 0002: identity keys -------------------------------------------------------

OLD_USERS = [
    # (username, email): keys differ from lower() outside ASCII.
    ("Alice", "İx@Example.com"),
    ("bob", "STRASSE@example.com"),
    ("carol", "ｃａｒｏｌ@example.com"),
]


def insert_old_rows(engine: sa.Engine) -> dict[str, int]:
    """Users, one post each and a session each, written as revision 0001 stores them."""
    ids = {}
    with engine.begin() as connection:
        for username, email in OLD_USERS:
            ids[username] = connection.execute(
                sa.text(
                    "INSERT INTO users (username, email, password_hash, created_at, updated_at)"
                    " VALUES (:u, :e, 'x', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"
                ),
                {"u": username, "e": email},
            ).scalar_one()
            connection.execute(
                sa.text(
                    "INSERT INTO posts (author_id, title, body, status, created_at, updated_at)"
                    " VALUES (:a, 't', 'b', 'published', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"a": ids[username]},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO auth_sessions (id, user_id, created_at, expires_at)"
                    " VALUES (:id, :u, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"id": str(uuid.uuid4()), "u": ids[username]},
            )
    return ids


def counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("users", "posts", "auth_sessions")
        }


def test_0002_backfills_keys_and_keeps_every_row(fresh_app):
    with fresh_app.app_context():
        engine = db.engine
        flask_migrate.upgrade(directory=str(MIGRATIONS), revision="0001_initial")
        ids = insert_old_rows(engine)

        flask_migrate.upgrade(directory=str(MIGRATIONS))

        assert counts(engine) == {"users": 3, "posts": 3, "auth_sessions": 3}
        with engine.connect() as connection:
            keys = connection.execute(
                sa.text("SELECT id, username_key, email_key FROM users ORDER BY id")
            ).all()
        assert [tuple(row) for row in keys] == [
            (ids["Alice"], "alice", "i\u0307x@example.com"),
            (ids["bob"], "bob", "strasse@example.com"),
            (ids["carol"], "carol", "carol@example.com"),
        ]
        assert drift(engine) == []
        assert index_names(engine) == model_index_names(engine)
        with engine.begin() as connection:  # the newest user goes: its id must not return
            connection.execute(sa.text("DELETE FROM users WHERE id = :id"), {"id": ids["carol"]})

    client = fresh_app.test_client()
    # The backfilled keys serve logins and keep the indexes unique.
    taken = client.post(
        "/api/v1/users",
        json={"username": "ALICE", "email": "new@example.com", "password": PASSWORD},
    )
    assert taken.status_code == 409, taken.json
    free = client.post(
        "/api/v1/users",
        json={"username": "dave", "email": "ix@example.com", "password": PASSWORD},
    )
    assert free.status_code == 201, free.json
    # Ids are never reused after the SQLite rebuild either (AUTOINCREMENT kept).
    assert free.json["id"] == ids["carol"] + 1


def test_0002_downgrades_to_lower_indexes_keeping_every_row(fresh_app):
    with fresh_app.app_context():
        engine = db.engine
        flask_migrate.upgrade(directory=str(MIGRATIONS), revision="0001_initial")
        insert_old_rows(engine)
        flask_migrate.upgrade(directory=str(MIGRATIONS))

        flask_migrate.downgrade(directory=str(MIGRATIONS), revision="0001_initial")

        assert current_revision(engine) == "0001_initial"
        assert counts(engine) == {"users": 3, "posts": 3, "auth_sessions": 3}
        columns = {column["name"] for column in sa.inspect(engine).get_columns("users")}
        assert not {"username_key", "email_key"} & columns
        assert {"uq_users_username_lower", "uq_users_email_lower"} <= index_names(engine)

        flask_migrate.upgrade(directory=str(MIGRATIONS))
        assert drift(engine) == []


def test_upgrade_keeps_existing_posts_and_guards_the_counters(fresh_app):
    """From 0001 with data: rows survive, counters start at 0, and cannot go negative."""
    with fresh_app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS), revision="0001_initial")
        engine = db.engine
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO users (username, email, password_hash, is_admin, post_count,"
                    " created_at, updated_at) VALUES ('old', 'old@example.com', 'x', false, 1,"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO posts (author_id, title, body, status, created_at, updated_at)"
                    " SELECT id, 'old', 'old', 'published', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP"
                    " FROM users"
                )
            )

        flask_migrate.upgrade(directory=str(MIGRATIONS))

        with engine.connect() as connection:
            stored = connection.execute(sa.text("SELECT comment_count, like_count FROM posts"))
            assert stored.all() == [(0, 0)]
        columns = ["comment_count", "like_count"]
        if engine.dialect.name == "postgresql":
            # SQLite keeps its users table as 0001 made it (see the migration).
            columns.append("users.post_count")
        for column in columns:
            table, _, name = column.rpartition(".")
            with (
                pytest.raises(sa.exc.IntegrityError, match="nonnegative"),
                engine.begin() as connection,
            ):
                connection.execute(sa.text(f"UPDATE {table or 'posts'} SET {name} = -1"))


def test_migrated_follows_keep_their_constraints(fresh_app):
    """One follow per pair (the unique index INSERT ... ON CONFLICT relies on), cascades
    and the counters' CHECKs exist in the migrated schema, not only in create_all's."""
    with fresh_app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS))
    client = fresh_app.test_client()
    ids = []
    for name in ("mig_a", "mig_b"):
        response = client.post(
            "/api/v1/users",
            json={"username": name, "email": f"{name}@example.com", "password": PASSWORD},
        )
        ids.append(response.json["id"])
    login = client.post(LOGIN, json={"login": "mig_a", "password": PASSWORD})
    headers = bearer(login.json["access_token"])

    for _ in range(2):
        assert client.put(f"/api/v1/users/{ids[1]}/follow", headers=headers).status_code == 204

    assert client.get(f"/api/v1/users/{ids[1]}").json["follower_count"] == 1
    with fresh_app.app_context(), db.engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM follows")) == 1
        with pytest.raises(sa.exc.IntegrityError):
            connection.execute(sa.text("UPDATE users SET following_count = -1"))
        connection.rollback()
        with pytest.raises(sa.exc.IntegrityError):
            connection.execute(sa.text("UPDATE users SET follower_count = -1"))
        connection.rollback()
        connection.execute(sa.text("DELETE FROM users WHERE username = 'mig_b'"))
        assert connection.scalar(sa.text("SELECT count(*) FROM follows")) == 0
        connection.rollback()


def insert_keyed_user(connection: sa.Connection, name: str) -> None:
    """A user row as written since 0002 (with its normalised keys), in plain SQL."""
    connection.execute(
        sa.text(
            "INSERT INTO users (username, email, username_key, email_key, password_hash,"
            " created_at, updated_at) VALUES (:name, :email, :name, :email, 'x',"
            " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ),
        {"name": name, "email": f"{name}@example.com"},
    )


def test_0011_gives_existing_posts_their_search_vector_and_downgrades(fresh_app, is_postgres):
    """PostgreSQL: existing posts are searchable through the stored vector, defined as
    `create_all` defines it; a downgrade brings the expression index back."""
    if not is_postgres:
        pytest.skip("0011 changes PostgreSQL's search only (SQLite keeps its FTS5 table)")
    with fresh_app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS), revision="0010_account_mail")
        engine = db.engine
        with engine.begin() as connection:
            insert_keyed_user(connection, "old")
            connection.execute(
                sa.text(
                    "INSERT INTO posts (author_id, title, body, created_at, updated_at, status)"
                    " SELECT id, 'Old pagination', 'text', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP,"
                    " 'published' FROM users"
                )
            )

        flask_migrate.upgrade(directory=str(MIGRATIONS))

        assert "ix_posts_search" not in index_names(engine)
        response = fresh_app.test_client().get("/api/v1/posts", query_string={"q": "pagination"})
        assert [item["title"] for item in response.json["items"]] == ["Old pagination"]
        assert generation_expression(engine) == created_generation_expression(engine)

        flask_migrate.downgrade(directory=str(MIGRATIONS), revision="0010_account_mail")

        assert "ix_posts_search" in index_names(engine)
        assert "ix_posts_search_vector" not in index_names(engine)
        assert "search_vector" not in {c["name"] for c in sa.inspect(engine).get_columns("posts")}


def test_0012_stores_each_existing_posts_tag_names_and_downgrades(fresh_app):
    """Existing posts get their tags' names in their own row, sorted as Python
    sorts them ("a-b" before "ab", whatever the database's collation), and show them."""
    with fresh_app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS), revision="0011_search_vector")
        engine = db.engine
        with engine.begin() as connection:
            insert_keyed_user(connection, "old")
            for title in ("Tagged", "Untagged"):
                connection.execute(
                    sa.text(
                        "INSERT INTO posts (author_id, title, body, created_at, updated_at,"
                        " status) SELECT id, :title, 'text', CURRENT_TIMESTAMP,"
                        " CURRENT_TIMESTAMP, 'published' FROM users"
                    ),
                    {"title": title},
                )
            for name in ("b", "ab", "a-b"):
                connection.execute(
                    sa.text("INSERT INTO tags (name) VALUES (:name)"), {"name": name}
                )
            connection.execute(
                sa.text(
                    "INSERT INTO post_tags (post_id, tag_id) SELECT posts.id, tags.id"
                    " FROM posts, tags WHERE posts.title = 'Tagged'"
                )
            )

        flask_migrate.upgrade(directory=str(MIGRATIONS))

        with engine.connect() as connection:
            stored = dict(connection.execute(sa.text("SELECT title, tag_names FROM posts")).all())
        assert stored == {"Tagged": "a-b,ab,b", "Untagged": ""}
        shown = fresh_app.test_client().get("/api/v1/posts").json["items"]
        assert {item["title"]: item["tags"] for item in shown} == {
            "Tagged": ["a-b", "ab", "b"],
            "Untagged": [],
        }

        flask_migrate.downgrade(directory=str(MIGRATIONS), revision="0011_search_vector")

        assert "tag_names" not in {c["name"] for c in sa.inspect(engine).get_columns("posts")}
        with engine.connect() as connection:
            assert connection.scalar(sa.text("SELECT count(*) FROM post_tags")) == 3


def test_migrations_are_not_cancelled_by_the_request_statement_timeout(
    build_app, fresh_database_url, keep_logging, is_postgres
):
    """A request's deadline (DATABASE_STATEMENT_TIMEOUT) does not apply to a
    migration: rewriting a large table may take longer than any request should.
    The backfill of 0012 is made to last longer than the deadline."""
    if not is_postgres:
        pytest.skip("statement_timeout is PostgreSQL's")
    app = build_app(SQLALCHEMY_DATABASE_URI=fresh_database_url, DATABASE_STATEMENT_TIMEOUT=0.1)

    def slow_backfill(connection, cursor, statement, *args):
        if statement.startswith("UPDATE posts SET tag_names"):
            cursor.execute("SELECT pg_sleep(0.3)")

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", slow_backfill)
        try:
            flask_migrate.upgrade(directory=str(MIGRATIONS))
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", slow_backfill)
        with db.engine.connect() as connection:
            assert connection.scalar(sa.text("SELECT version_num FROM alembic_version")) == head()
            # Requests keep their deadline.
            assert connection.scalar(sa.text("SHOW statement_timeout")) == "100ms"


GENERATION_EXPRESSION = (
    "SELECT generation_expression FROM information_schema.columns"
    " WHERE table_schema = current_schema() AND table_name = 'posts'"
    " AND column_name = 'search_vector'"
)


def generation_expression(engine: sa.Engine) -> str:
    with engine.connect() as connection:
        return connection.execute(sa.text(GENERATION_EXPRESSION)).scalar_one()


def created_generation_expression(engine: sa.Engine) -> str:
    """The same column as `create_all` makes it (the models' DDL), in a scratch schema."""
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE SCHEMA create_all_check"))
        try:
            connection.execute(sa.text("SET LOCAL search_path TO create_all_check"))
            db.metadata.create_all(
                connection, tables=[db.metadata.tables["users"], db.metadata.tables["posts"]]
            )
            return connection.execute(sa.text(GENERATION_EXPRESSION)).scalar_one()
        finally:
            connection.execute(sa.text("SET LOCAL search_path TO public"))
            connection.execute(sa.text("DROP SCHEMA create_all_check CASCADE"))
