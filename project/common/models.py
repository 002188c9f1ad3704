"""Declarative base, constraint naming, timezone-aware UTC timestamps, row versions."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, TypeDecorator, text
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from project.common.exceptions import PreconditionFailed

# Stable constraint names, so migrations can alter and drop them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# What the database has but the metadata does not describe, created by
# migrations and DDL events and skipped by autogenerate and the drift check:
# tables (SQLite's FTS5 tables, with their `<name>_*` shadow tables), columns
# as (table, column) (PostgreSQL's stored search vector) and indexes by name.
UNMANAGED_TABLES: set[str] = set()
UNMANAGED_COLUMNS: set[tuple[str, str]] = set()
UNMANAGED_INDEXES: set[str] = set()


def is_unmanaged_table(name: str) -> bool:
    return any(name == table or name.startswith(f"{table}_") for table in UNMANAGED_TABLES)


def is_managed(name: str | None, type_: str, parent_names: Mapping[str, Any]) -> bool:
    """Alembic's `include_name`: False for what the models leave to DDL (above)."""
    if type_ == "table":
        return not is_unmanaged_table(name or "")
    if type_ == "column":
        return (parent_names.get("table_name"), name) not in UNMANAGED_COLUMNS
    if type_ == "index":
        return name not in UNMANAGED_INDEXES
    return True


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python.

    PostgreSQL stores `timestamptz`; SQLite has no time zones and hands back
    naive values, which are UTC by construction here.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type:
        return datetime

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Postwell stores aware UTC only")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    """created_at / updated_at, set by the application clock in UTC."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )


class VersionMixin:
    """`version`: bumped by every ORM UPDATE of the row, checked by it (optimistic locking).

    SQLAlchemy's `version_id_col`: an ORM flush writes `... WHERE id = ? AND
    version = <the version it loaded>`, so a write based on a row another
    transaction changed in between touches nothing and raises StaleDataError
    (a 412, `project.errors`) instead of silently overwriting it. Counter
    columns written by bulk `update()` statements (like, comment, post and
    follower counts) do not bump it: they are not edits a client can lose.
    The version is the part of a resource's ETag that `If-Match` compares.
    """

    version: Mapped[int] = mapped_column(nullable=False, server_default=text("1"))

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}


def ensure_version(current: int, expected: Collection[int] | None, what: str) -> None:
    """PreconditionFailed unless `current` is among the versions the client based its write on.

    `expected` None: the client sent no `If-Match` (or `*`), nothing to check.
    """
    if expected is not None and current not in expected:
        raise PreconditionFailed(
            f"The {what} has changed since you read it (If-Match does not match its "
            "current ETag): fetch it again and reapply your change."
        )
