"""Alembic environment: runs migrations on the Flask app's engine.

`flask db ...` (Flask-Migrate) provides the app; the target metadata is
Postwell's models, whose naming convention gives constraints stable names.
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from project.common.models import is_managed

config = context.config
# Keep the app's own loggers working when migrations run in-process.
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def get_engine():
    # Flask-SQLAlchemy >= 3: `db.get_engine()` is deprecated (a DeprecationWarning
    # on every migration run) and goes away in 3.2; `db.engine` is the replacement.
    return target_db.engine


# Escape "%" for configparser interpolation.
config.set_main_option(
    "sqlalchemy.url", get_engine().url.render_as_string(hide_password=False).replace("%", "%%")
)


def include_name(name, type_, parent_names):
    """Autogenerate leaves alone what models do not describe (SQLite FTS5, the search vector)."""
    return is_managed(name, type_, parent_names)


def run_migrations_offline():
    """Emit SQL for the migrations (`flask db upgrade --sql`) without connecting."""
    url = config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=target_db.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run the migrations in one transaction on a connection of the app's engine."""

    def skip_empty_autogenerate(context, revision, directives):
        """`flask db migrate` with no model change writes no empty revision."""
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    conf_args.setdefault("process_revision_directives", skip_empty_autogenerate)
    conf_args.setdefault("include_name", include_name)
    with get_engine().connect() as connection:
        context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # The app's connections carry the request deadline
                # (DATABASE_STATEMENT_TIMEOUT); rewriting a large table takes
                # longer, and a migration cancelled halfway is rolled back whole.
                connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
