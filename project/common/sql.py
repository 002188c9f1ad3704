"""SQL the ORM does not spell the same on every backend: INSERT ... ON CONFLICT DO NOTHING.

PostgreSQL and SQLite both have it, through their own dialect's `insert`;
`dialect_insert` picks the one of the session's database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from project.extensions import db

INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def dialect_insert(table: Any) -> Any:
    """The `insert(table)` of the session's dialect (it has `on_conflict_do_nothing`)."""
    return INSERTS[db.session.get_bind().dialect.name](table)


def insert_ignore(model: Any, values: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING on PostgreSQL and SQLite; returns how many rows were inserted."""  # noqa: E501
    rows = [values] if isinstance(values, Mapping) else list(values)
    if not rows:
        return 0
    key = model.__table__.primary_key.columns
    # One multi-row statement; RETURNING counts what it inserted (psycopg
    # reports a rowcount of -1 for it).
    statement = dialect_insert(model).values(rows).on_conflict_do_nothing().returning(*key)
    return len(db.session.execute(statement).all())
