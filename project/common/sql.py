"""SQL the ORM does not spell the same way on every backend."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from project.extensions import db

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_ignore(model: type, values: dict[str, Any]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING on PostgreSQL and SQLite; returns how many rows were inserted."""  # noqa: E501
    dialect = db.session.get_bind().dialect.name
    statement = (
        _INSERTS[dialect](model)
        .values(**values)
        .on_conflict_do_nothing()
        # SQLAlchemy keeps an INSERT's rowcount only when asked (psycopg: -1 otherwise).
        .execution_options(preserve_rowcount=True)
    )
    return db.session.execute(statement).rowcount
