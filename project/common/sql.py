"""SQL the ORM does not spell the same on every backend: INSERT ... ON CONFLICT DO NOTHING.

PostgreSQL and SQLite both have it, through their own dialect's `insert`;
`dialect_insert` picks the one of the session's database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Insert, Table
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
    statement = insert_ignore_statement(model.__table__, db.session.get_bind().dialect.name)
    # One execution; several rows go in one multi-row INSERT (SQLAlchemy's
    # "insertmanyvalues"). RETURNING counts what it inserted (psycopg reports
    # a rowcount of -1 for it).
    return len(db.session.execute(statement, rows if len(rows) > 1 else rows[0]).all())


@cache
def insert_ignore_statement(table: Table, dialect: str) -> Insert:
    """Built once per table and backend, the values bound per call: a new statement
    each time cost more Python (its cache key, the ORM's bulk-insert path) than
    the INSERT itself. On the table, not the model: the rows are plain values."""
    return INSERTS[dialect](table).on_conflict_do_nothing().returning(*table.primary_key.columns)
