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

from project.extensions import db
from tests.kit import PASSWORD

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
TABLES = {"users", "posts", "auth_sessions", "refresh_tokens"}

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
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, db.metadata)


def table_names(engine: sa.Engine) -> set[str]:
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
        )
    with engine.connect() as connection:
        names = set(connection.execute(sa.text(query)).scalars())
    # Primary keys are constraints (compared by `drift`), indexed implicitly.
    return {name for name in names if not name.startswith("pk_")}


def model_index_names() -> set[str]:
    return {index.name for table in db.metadata.tables.values() for index in table.indexes}


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
    assert head() == "0002_live_sessions"


def test_upgrade_on_a_fresh_database_matches_the_models(fresh_app):
    with fresh_app.app_context():
        engine = db.engine
        assert table_names(engine) == set()

        flask_migrate.upgrade(directory=str(MIGRATIONS))

        assert table_names(engine) == TABLES | {"alembic_version"}
        assert current_revision(engine) == head()
        assert drift(engine) == []
        assert index_names(engine) == model_index_names()


def test_downgrade_to_base_then_upgrade_again(fresh_app):
    with fresh_app.app_context():
        engine = db.engine
        flask_migrate.upgrade(directory=str(MIGRATIONS))

        flask_migrate.downgrade(directory=str(MIGRATIONS), revision="base")

        assert table_names(engine) - {"alembic_version"} == set()
        assert index_names(engine) == set()
        assert current_revision(engine) is None

        flask_migrate.upgrade(directory=str(MIGRATIONS))

        assert table_names(engine) == TABLES | {"alembic_version"}
        assert drift(engine) == []
        assert index_names(engine) == model_index_names()


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
