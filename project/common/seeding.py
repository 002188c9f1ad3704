"""`flask seed`: the seeding registry, the shared context, and bulk inserts.

Each plugin seeds its own tables: it registers a step in its `init_app`
(`seeding.register(app, "likes", seed_likes, order=50)`), and `flask seed`
runs the registered steps in order with one `SeedContext` (the random
generator, Faker, `now`, the volumes asked for, and what earlier steps
`share`d, such as the ids of the users and posts they wrote). Steps write
their rows with `SeedContext.insert`: `COPY ... FROM STDIN` on PostgreSQL,
executemany batches elsewhere, a commit and a progress update per batch.

Steps write rows, not counters: at the end the command sets every counter
registered with `project.common.counters` with its set-based fix SQL (one
UPDATE per table), then runs VACUUM ANALYZE (ANALYZE on SQLite) so the planner
knows the new sizes and index-only scans need not read the tables.
"""

from __future__ import annotations

import itertools
import math
import random
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import click
from faker import Faker
from flask import Flask, current_app
from sqlalchemy import Connection, Engine, Table, insert, text

from project.common import counters, invalidation
from project.common.cli import progress
from project.common.models import utcnow
from project.extensions import db

REGISTRY_KEY = "postwell_seeding"
# Rows per batch: one COPY (or executemany) and one commit each.
BATCH = 20_000


@dataclass(frozen=True)
class Volumes:
    """How much to seed, as given on the command line."""

    users: int
    posts: int
    follows_per_user: float
    likes_per_post: float
    comments_per_post: float


@dataclass
class SeedContext:
    """What every step gets: randomness, the clock, the volumes, and earlier steps' rows."""

    rng: random.Random
    fake: Faker
    now: datetime
    volumes: Volumes
    # Keeps what this run writes apart from earlier runs (usernames, say).
    run_tag: str
    summary: list[str] = field(default_factory=list)
    _shared: dict[str, Any] = field(default_factory=dict)

    def share(self, key: str, value: Any) -> None:
        """Hand `value` to later steps (e.g. "users": the users seeded)."""
        self._shared[key] = value

    def shared(self, key: str, default: Any = None) -> Any:
        return self._shared.get(key, default)

    def insert(self, table: Table, columns: Sequence[str], rows: Iterable[Sequence], total: int):
        """Insert `rows` (tuples in `columns` order) in batches; `total` sizes the progress."""
        label = table.name
        with progress(total, label) as bar:
            iterator = iter(rows)
            while batch := list(itertools.islice(iterator, BATCH)):
                _write_batch(table, columns, batch)
                invalidation.changed_everything()  # rows the ORM flush never sees
                db.session.commit()
                bar.update(len(batch))

    def report(self, line: str) -> None:
        """A line for the closing summary (e.g. "1,000 likes")."""
        self.summary.append(line)


@contextmanager
def unlimited() -> Iterator[None]:
    """Lift the app's time limits for one transaction's statements (PostgreSQL).

    A set-based UPDATE over a whole table, or ANALYZE, takes longer than any
    request should: the server's `statement_timeout` (SET LOCAL, this
    transaction only) and the client's answer deadline
    (`project.common.database.DeadlineConnection`, restored afterwards) are
    lifted. A batch insert does not need this.
    """
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        yield
        return
    db.session.execute(text("SET LOCAL statement_timeout = 0"))
    with no_answer_deadline(connection):
        yield


@contextmanager
def no_answer_deadline(connection: Connection) -> Iterator[None]:
    """The client's answer deadline (`project.common.database.DeadlineConnection`)
    lifted on `connection` for a while, then restored."""
    driver = connection.connection.driver_connection
    deadline = getattr(driver, "answer_deadline", None)
    driver.answer_deadline = None
    try:
        yield
    finally:
        driver.answer_deadline = deadline


def _write_batch(table: Table, columns: Sequence[str], rows: list[Sequence]) -> None:
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        db.session.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    # COPY is several times faster than even a multi-row INSERT: one stream,
    # no statement per row, no parameters to bind.
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in columns)
    driver = connection.connection.driver_connection
    statement = f"COPY {quote(table.name)} ({names}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


class Zipf:
    """Draws from `ranked` (most popular first) with P(rank k) proportional to 1/k**s."""

    def __init__(self, ranked: Sequence[Any], s: float = 1.0) -> None:
        self.items = list(ranked)
        self.cumulative = list(itertools.accumulate(1 / (k**s) for k in range(1, len(ranked) + 1)))

    def draw(self, rng: random.Random, k: int = 1) -> list[Any]:
        if not self.items:
            return []
        return rng.choices(self.items, cum_weights=self.cumulative, k=k)

    def distinct(self, rng: random.Random, k: int, exclude: Any = None) -> list[Any]:
        """`k` different items (never `exclude`, one of them), popular ones more likely."""
        available = len(self.items) - (exclude is not None)
        k = min(k, available)
        # Rejection sampling is fast while k is a small share of the items;
        # past that (tiny data sets), a plain sample is good enough.
        if k > available // 2:
            return rng.sample([item for item in self.items if item != exclude], k)
        chosen: dict[Any, None] = {}
        while len(chosen) < k:
            for item in self.draw(rng, k - len(chosen)):
                if item != exclude:
                    chosen[item] = None
        return list(chosen)[:k]


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count (Knuth's method; a normal approximation past 30)."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, mean**0.5)))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def skewed_counts(rng: random.Random, total: float, weights: Sequence[float]) -> list[int]:
    """A count per slot, about `total` in all, each in proportion to its weight (Poisson)."""
    mass = sum(weights)
    if not mass or total <= 0:
        return [0] * len(weights)
    scale = total / mass
    return [poisson(rng, weight * scale) for weight in weights]


Step = Callable[[SeedContext], None]


@dataclass(frozen=True, order=True)
class Registered:
    order: int
    name: str
    step: Step = field(compare=False)


def register(app: Flask, name: str, step: Step, *, order: int) -> None:
    """Add the step `name` to `flask seed`; steps run by increasing `order`."""
    app.extensions.setdefault(REGISTRY_KEY, {})[name] = Registered(order, name, step)
    if seed.name not in app.cli.commands:
        app.cli.add_command(seed)


def registered(app: Flask) -> list[Registered]:
    return sorted(app.extensions.get(REGISTRY_KEY, {}).values())


def analyze() -> None:
    """Fresh planner statistics of every table (autovacuum may be minutes away, or off)."""
    started = time.monotonic()
    with unlimited():
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    click.echo(f"ANALYZE all in {time.monotonic() - started:.1f} s")


def vacuum_analyze() -> None:
    """PostgreSQL: VACUUM ANALYZE the database, as autovacuum would some time later
    (or never, where it is off): until then no page of the new rows is marked
    all-visible, and every index-only scan reads the table for each row.
    SQLite: ANALYZE (its VACUUM rewrites the whole file for nothing here)."""
    bind = db.engine  # not the session's bind: in a GET, its request's read connection
    if bind.dialect.name != "postgresql" or not isinstance(bind, Engine):
        analyze()  # SQLite, or a connection already in a transaction (a test's)
        return
    db.session.commit()
    started = time.monotonic()
    # VACUUM runs outside a transaction, without the app's time limits; a table
    # another transaction holds a strong lock on is left to autovacuum.
    with bind.connect() as connection, no_answer_deadline(connection):
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        try:
            connection.execute(text("SET statement_timeout = 0"))
            connection.execute(text("VACUUM (SKIP_LOCKED, ANALYZE)"))
        finally:
            connection.execute(text("RESET statement_timeout"))
    click.echo(f"VACUUM ANALYZE in {time.monotonic() - started:.1f} s")


def recount() -> None:
    """Set every registered counter to its actual count: one UPDATE per table."""
    for statement in counters.fix_statements(current_app):
        started = time.monotonic()
        with unlimited():
            options = {"synchronize_session": False}
            fixed = db.session.execute(statement.execution_options(**options)).rowcount
            db.session.commit()
        seconds = time.monotonic() - started
        click.echo(f"counters of {statement.table.name}: {fixed} row(s) set in {seconds:.1f} s")


@click.command("seed")
@click.option("--users", "user_count", default=50, show_default=True, type=click.IntRange(0))
@click.option("--posts", "post_count", default=500, show_default=True, type=click.IntRange(0))
@click.option(
    "--follows-per-user",
    default=20.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Average follows of each new user, skewed toward popular authors.",
)
@click.option(
    "--likes-per-post",
    default=2.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Average likes of each new published post (popular authors' posts get most).",
)
@click.option(
    "--comments-per-post",
    default=0.5,
    show_default=True,
    type=click.FloatRange(0),
    help="Average comments of each new published post (skewed like likes).",
)
@click.option("--seed", "random_seed", default=None, type=int, help="Make the data repeatable.")
def seed(
    user_count: int,
    post_count: int,
    follows_per_user: float,
    likes_per_post: float,
    comments_per_post: float,
    random_seed: int | None,
) -> None:
    """Insert fake users, posts and what the plugins add to them, in batches.

    Every seeded user's password is `postwell-seed`.
    """
    started = time.monotonic()
    fake = Faker()
    if random_seed is not None:
        Faker.seed(random_seed)
    context = SeedContext(
        rng=random.Random(random_seed),
        fake=fake,
        now=utcnow(),
        volumes=Volumes(
            user_count, post_count, follows_per_user, likes_per_post, comments_per_post
        ),
        # Not drawn from `rng`: a repeated `--seed N` would otherwise reuse
        # every username.
        run_tag=secrets.token_hex(3),
    )
    for step in registered(current_app):
        step_started = time.monotonic()
        # A generator per step: what one step draws does not shift another's
        # (a new step, or more users already stored, leaves the posts' text alone).
        context.rng = random.Random(
            f"{random_seed}/{step.name}" if random_seed is not None else None
        )
        step.step(context)
        click.echo(f"{step.name}: done in {time.monotonic() - step_started:.1f} s")
    # Statistics first: without them the recount's subqueries are planned
    # for empty tables. Then the steady state: the counter columns just
    # written analyzed again, and every table vacuumed.
    analyze()
    recount()
    vacuum_analyze()
    click.echo(f"Seeded {', '.join(context.summary) or 'nothing'}.")
    click.echo(f"Done in {time.monotonic() - started:.1f} s.")
