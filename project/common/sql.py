"""SQL building blocks the dialects spell differently."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from project.extensions import db

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_ignore(model: type, values: dict[str, Any]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING on PostgreSQL and SQLite; returns how many rows were inserted."""  # noqa: E501
    insert = _INSERTS[db.session.get_bind().dialect.name]
    # RETURNING, not rowcount: psycopg reports -1 for this statement.
    key = model.__table__.primary_key.columns
    stmt = insert(model).values(**values).on_conflict_do_nothing().returning(*key)
    return len(db.session.execute(stmt).all())
