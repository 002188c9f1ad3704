"""Stored counters, and `flask counters check [--fix]` to audit them.

A counter is a column kept in step with the rows it counts by the plugin
that writes those rows (`users.post_count` by posts, `posts.comment_count`
by comments, `posts.like_count` by likes...), with `adjust` in the
transaction of the write. Each plugin registers its
counters here in `init_app` with a `Count` saying what they count (the rows
of a table, by a foreign key to the counter's table, with a filter); the
command then checks every registered counter with one aggregate SELECT each
(a correlated subquery) and, with `--fix`, repairs it with one UPDATE each.
`fix_statements` recounts whole tables at once for bulk loads (`flask seed`),
from the same `Count` as a GROUP BY.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import Row, Select, Update, bindparam, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from project.common import invalidation
from project.extensions import db

REGISTRY_KEY = "postwell_counters"

counters_cli = AppGroup("counters", help="Audit the stored counters.")


def adjust(
    column: InstrumentedAttribute[int],
    row_id: int,
    delta: int,
    *,
    returning: tuple[InstrumentedAttribute[Any], ...] = (),
) -> Row | None:
    """Move the counter `column` of the row `row_id` by `delta`, atomically, in
    the caller's transaction: concurrent writers cannot lose updates, and reads
    never COUNT(*). The row's object, if the session holds one, gets the
    stored value. A count is not an edit: `updated_at` is kept.

    Returns the row as the UPDATE left it: the counter, then the `returning`
    columns of the same row (None when `delta` is 0 or there is no such row),
    for a caller that would otherwise read them with another query.
    """
    if not delta:
        return None
    statement = _adjustment(column, tuple(extra.key for extra in returning))
    stored = db.session.execute(statement, {"row_id": row_id, "delta": delta}).one_or_none()
    held = db.session.identity_map.get(identity_key(column.class_, row_id))
    if held is not None and stored is not None:
        set_committed_value(held, column.key, stored[0])
    return stored


@cache
def _adjustment(column: InstrumentedAttribute[int], returning: tuple[str, ...]) -> Update:
    """`UPDATE t SET n = n + :delta WHERE id = :row_id RETURNING n, <returning>`,
    built once per counter, on the table: the ORM's UPDATE walked a new
    statement on every call and evaluated it against the session's objects, a
    sixth of the CPU of creating a post."""
    table = column.class_.__table__
    [key] = table.primary_key.columns
    counter = table.c[column.key]
    kept = {c: c for c in table.c if c.onupdate is not None}  # updated_at: not an edit
    return (
        update(table)
        .where(key == bindparam("row_id"))
        .values({**kept, counter: counter + bindparam("delta")})
        .returning(counter, *(table.c[name] for name in returning))
    )


@dataclass(frozen=True)
class Count:
    """What a counter counts: rows of `source` (default: `key`'s table) matching
    `where`, each counted for the row whose primary key `key` holds."""

    key: ColumnElement
    where: tuple[ColumnElement, ...] = ()
    source: FromClause | None = None

    def correlated(self, parent_key: ColumnElement) -> ColumnElement:
        """The count of one row of the counter's table (a correlated subquery)."""
        return (
            select(func.count())
            .select_from(self.source if self.source is not None else self.key.table)
            .where(self.key == parent_key, *self.where)
            .scalar_subquery()
        )

    def grouped(self) -> Select:
        """(key, n) for every row with at least one: one pass, for whole-table recounts."""
        return (
            select(self.key.label("key"), func.count().label("n"))
            .select_from(self.source if self.source is not None else self.key.table)
            .where(*self.where)
            .group_by(self.key)
        )


@dataclass(frozen=True)
class Counter:
    """`column` stores what `actual` (a subquery correlated to its table) computes."""

    column: InstrumentedAttribute
    actual: ColumnElement
    count: Count | None = None

    @property
    def check_sql(self) -> Select:
        """One row: how many rows drifted, and by how much in all."""
        drift = self.column - self.actual
        return select(func.count(), func.coalesce(func.sum(func.abs(drift)), 0)).where(drift != 0)

    @property
    def fix_sql(self) -> Update:
        """Set every drifted row to its actual count."""
        model = self.column.class_
        values = {self.column.key: self.actual}
        if hasattr(model, "updated_at"):  # a recount is not an edit
            values["updated_at"] = model.updated_at
        return update(model).where(self.column != self.actual).values(values)


def register(
    app: Flask, name: str, column: InstrumentedAttribute, actual: Count | ColumnElement
) -> None:
    """Declare the counter `name` (e.g. "posts.like_count") for `flask counters check`.

    `actual` is a `Count`, or a scalar subquery correlated to `column`'s table.
    """
    if isinstance(actual, Count):
        [key] = column.class_.__table__.primary_key.columns
        counter = Counter(column, actual.correlated(key), actual)
    else:
        counter = Counter(column, actual)
    app.extensions.setdefault(REGISTRY_KEY, {})[name] = counter
    if counters_cli.name not in app.cli.commands:
        app.cli.add_command(counters_cli)


def registered(app: Flask) -> dict[str, Counter]:
    return app.extensions.get(REGISTRY_KEY, {})


def fix_statements(app: Flask) -> list[Update]:
    """Every registered counter's fix, one UPDATE per table, for bulk loads (`flask seed`).

    Each row's actual counts are computed once, in a derived table joined on
    the primary key (from each `Count`'s GROUP BY, outer-joined to the table:
    a hash aggregate, not a subquery per row), and only drifted rows are
    written; a table with two counters (posts: likes and comments) gets both
    in one statement, so each drifted row is written once, not once per counter.
    """
    by_model: dict[type, list[Counter]] = {}
    for _name, counter in sorted(registered(app).items()):
        by_model.setdefault(counter.column.class_, []).append(counter)
    statements = []
    for model, group in by_model.items():
        [key] = model.__table__.primary_key.columns
        columns, source = [key.label("key")], model.__table__
        for counter in group:
            if counter.count is None:
                columns.append(counter.actual.label(counter.column.key))
                continue
            totals = counter.count.grouped().subquery()
            source = source.outerjoin(totals, totals.c.key == key)
            columns.append(func.coalesce(totals.c.n, 0).label(counter.column.key))
        actual = select(*columns).select_from(source).subquery("actual")
        values = {c.column.key: actual.c[c.column.key] for c in group}
        if hasattr(model, "updated_at"):  # a recount is not an edit
            values["updated_at"] = model.updated_at
        drifted = or_(*(c.column != actual.c[c.column.key] for c in group))
        statements.append(update(model).where(key == actual.c.key, drifted).values(values))
    return statements


@counters_cli.command("check")
@click.option("--fix", is_flag=True, help="Set every drifted counter to its actual count.")
def check(fix: bool) -> None:
    """Recompute every counter and report drift (exit status 1 if any, unless fixed).

    The recount reads a snapshot: run --fix when writes are quiet, or run it
    twice, since a write committed meanwhile is counted by the next run.
    """
    drifted = False
    for name, counter in sorted(registered(current_app).items()):
        rows, total = db.session.execute(counter.check_sql).one()
        if not rows:
            click.echo(f"{name}: ok")
            continue
        drifted = True
        click.echo(f"{name}: {rows} row(s) drifted, off by {total} in all")
        if fix:
            fixed = db.session.execute(counter.fix_sql).rowcount
            invalidation.changed_everything()  # counters show in cached answers
            click.echo(f"{name}: fixed {fixed} row(s)")
    db.session.commit()
    if drifted and not fix:
        raise SystemExit(1)
