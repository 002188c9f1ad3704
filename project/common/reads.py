"""Read models: rows a hot read only shows, as plain objects instead of ORM instances.

A plugin's `reads.py` (`project.posts.reads`, `project.users.reads`) runs its
SELECT in SQLAlchemy Core on `connection()`, without the ORM's per-execution
set-up and instrumented object per row: in a read-only request on
PostgreSQL, the request's connection of the read engine
(`project.common.database.request_read_connection`, which the session
shares), without beginning the request's ORM session at all (its set-up and
teardown were a sixth of the CPU of a post by id); otherwise the session's
own connection, so a read sees what the session sees (a write's
transaction, a test's). Each row becomes a `Shown`
subclass: the row's columns as attributes, and `viewed_as`, the model it
stands for, whose viewer providers (`project.common.viewer`) apply to it and
whose schema dumps it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Self

from sqlalchemy import Connection, Engine, Executable

from project.common.database import request_read_connection
from project.extensions import db


def connection() -> Connection:
    """Where a read model's statement runs (see the module docstring)."""
    bind = db.engine  # a test's connection, where a test holds one
    if isinstance(bind, Engine):
        held = request_read_connection(bind)
        if held is not None:
            return held
    return db.session.connection()


class Shown:
    """A row as shown: its columns as attributes (subclasses may shape them further)."""

    viewed_as: ClassVar[type]

    def __init__(self, fields: Sequence[str], row: Sequence[Any]) -> None:
        self.__dict__ = dict(zip(fields, row, strict=True))

    @classmethod
    def first(cls, statement: Executable, parameters: Mapping[str, Any]) -> Self | None:
        """The first row of `statement` as shown (None: no row)."""
        result = connection().execute(statement, parameters)
        row = result.first()
        return None if row is None else cls(result.keys(), row)

    @classmethod
    def all(cls, statement: Executable, parameters: Mapping[str, Any]) -> list[Self]:
        """Every row of `statement` as shown."""
        result = connection().execute(statement, parameters)
        fields = tuple(result.keys())
        return [cls(fields, row) for row in result.all()]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.__dict__.get('id')}>"
