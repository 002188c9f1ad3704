"""The bench database: recreate it, migrate, time `flask seed`, VACUUM ANALYZE, read ids, drop it.

Queries on the app's tables are built from the app's own models, so they
follow the schema; only server-level statements (CREATE/DROP DATABASE,
ANALYZE, SHOW) are written out.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import redis
from sqlalchemy import Engine, create_engine, func, select, text

from bench import REPO, BenchError, log
from project.config import database_url as sqlalchemy_url
from project.posts.models import Post, PostStatus
from project.tags.models import Tag
from project.users.models import User

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postwell_bench"
# Revocations, cache entries and rate-limit counters of the bench server.
# BENCH_REDIS_URL lets two runs (e.g. two worktrees) use separate Redis databases.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
# The promise: this many users and posts seeded in under this many seconds.
PROMISE_USERS, PROMISE_POSTS, PROMISE_SECONDS = 1_000, 100_000, 60.0


def database_name(url: str) -> str:
    """The database `url` names; refuses anything but PostgreSQL."""
    parts = urlsplit(url)
    if parts.scheme.split("+")[0] not in {"postgres", "postgresql"}:
        raise BenchError(f"the benchmark needs a PostgreSQL DATABASE_URL, got {url!r}")
    name = parts.path.lstrip("/")
    if not name:
        raise BenchError(f"DATABASE_URL names no database: {url!r}")
    return name


def engine_for(url: str, **options) -> Engine:
    """An engine on `url` through psycopg 3, whatever the URL's spelling."""
    return create_engine(sqlalchemy_url(url, url), **options)


def _maintenance_engine(url: str) -> Engine:
    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    return engine_for(maintenance, isolation_level="AUTOCOMMIT")


def _drop_and_maybe_create(url: str, create: bool) -> None:
    engine = _maintenance_engine(url)
    name = engine.dialect.identifier_preparer.quote(database_name(url))
    try:
        with engine.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            if create:
                conn.execute(text(f"CREATE DATABASE {name}"))
    finally:
        engine.dispose()


def recreate_database(url: str) -> None:
    _drop_and_maybe_create(url, create=True)


def drop_database(url: str) -> None:
    _drop_and_maybe_create(url, create=False)


def analyze_database(url: str) -> tuple[float, str]:
    """VACUUM ANALYZE the fresh tables: seconds taken, and the server's autovacuum setting.

    A bulk-loaded table has no planner statistics until autovacuum's next pass
    (up to a minute later, never when autovacuum is off); until then PostgreSQL
    guesses a few dozen rows and sorts the whole feed instead of walking the
    keyset index. Nor is any page of it marked all-visible, so every index-only
    scan (likes, follows, a post's tags) and every bitmap scan goes to the
    table for each row. Measuring that transient would make results depend on
    timing and on the server's autovacuum setting.
    """
    engine = engine_for(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            autovacuum = conn.execute(text("SHOW autovacuum")).scalar_one()
            started = time.perf_counter()
            conn.execute(text("VACUUM ANALYZE"))
            return time.perf_counter() - started, autovacuum
    finally:
        engine.dispose()


# The feed scenario reads the feed of the user whose following count is closest to this.
FEED_FOLLOWING = 200
# Words too short or too common to make a search that reads like a user's.
SHORT_WORD = 5


@dataclass
class DataSet:
    users: int
    posts: int
    published: int
    published_post_ids: list[int]
    authors_with_posts: list[int]
    # For the social scenarios (see bench/scenarios.py).
    feed_reader: str = ""
    feed_following: int = 0
    commented_post_ids: list[int] = field(default_factory=list)
    popular_tag: str = ""
    common_word: str = ""
    median_signup: str = ""


def common_word(titles: list[str]) -> str:
    """The most frequent word of at least SHORT_WORD letters in `titles`."""
    words = Counter(
        word
        for title in titles
        for word in re.findall(r"[a-z]+", title.lower())
        if len(word) >= SHORT_WORD
    )
    return words.most_common(1)[0][0] if words else ""


def inspect_data(url: str) -> DataSet:
    """Counts, ids to read, and what the social scenarios need, from the seeded rows."""
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            users = conn.scalar(select(func.count()).select_from(User))
            posts = conn.scalar(select(func.count()).select_from(Post))
            published = select(Post.id).where(Post.status == PostStatus.PUBLISHED.value)
            post_ids = list(conn.scalars(published))
            authors = list(conn.scalars(select(User.id).where(User.post_count > 0)))
            reader = conn.execute(
                select(User.username, User.following_count)
                .order_by(func.abs(User.following_count - FEED_FOLLOWING), User.id)
                .limit(1)
            ).first()
            commented = list(
                conn.scalars(
                    select(Post.id).where(
                        Post.comment_count > 0, Post.status == PostStatus.PUBLISHED.value
                    )
                )
            )
            tag = conn.scalar(select(Tag.name).order_by(Tag.post_count.desc(), Tag.id).limit(1))
            titles = list(conn.scalars(select(Post.title).order_by(Post.id).limit(2_000)))
            signups = select(User.created_at).order_by(User.created_at)
            median = conn.scalar(signups.offset(users // 2).limit(1))
    finally:
        engine.dispose()
    return DataSet(
        users,
        posts,
        len(post_ids),
        post_ids,
        authors,
        feed_reader=reader.username if reader else "",
        feed_following=reader.following_count if reader else 0,
        commented_post_ids=commented,
        popular_tag=tag or "",
        common_word=common_word(titles),
        median_signup=median.isoformat() if median else "",
    )


def flask_command(args: list[str], database_url: str, timeout: float) -> tuple[float, str]:
    """Run `flask --app wsgi ARGS` in the repository; its wall time and last output line."""
    env = {**os.environ, "DATABASE_URL": database_url}
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise BenchError(
            f"flask {' '.join(args)} failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}"
        )
    lines = proc.stdout.strip().splitlines()
    return elapsed, lines[-1] if lines else ""


@dataclass
class SeedReport:
    migrate_seconds: float
    seed_seconds: float | None
    users_requested: int | None
    posts_requested: int | None
    posts_per_second: float | None
    promise: str
    output: str = ""


def prepare_database(url: str, users: int, posts: int, skip_seed: bool) -> SeedReport:
    """Recreate and migrate the database, then time the seed (unless `skip_seed`)."""
    if not skip_seed:
        log(f"database: recreating {database_name(url)}")
        recreate_database(url)
    migrate_seconds, _ = flask_command(["db", "upgrade"], url, timeout=300)
    log(f"database: migrations applied in {migrate_seconds:.1f} s")
    if skip_seed:
        return SeedReport(migrate_seconds, None, None, None, None, "not measured (--skip-seed)")

    log(f"seed: {users} users, {posts} posts ...")
    seed_args = ["seed", "--users", str(users), "--posts", str(posts), "--seed", "1"]
    seconds, output = flask_command(seed_args, url, timeout=1800)
    rate = posts / seconds if seconds else None
    promise = seed_promise(users, posts, seconds)
    log(f"seed: {seconds:.1f} s ({rate:,.0f} posts/s) -- {promise}")
    return SeedReport(migrate_seconds, seconds, users, posts, rate, promise, output)


def seed_promise(users: int, posts: int, seconds: float) -> str:
    if (users, posts) != (PROMISE_USERS, PROMISE_POSTS):
        return (
            f"not checked: the promise is about {PROMISE_USERS:,} users and "
            f"{PROMISE_POSTS:,} posts (the default size)"
        )
    verdict = "MET" if seconds < PROMISE_SECONDS else "NOT MET"
    return f"{verdict}: {seconds:.1f} s for the promised size (< {PROMISE_SECONDS:.0f} s)"


def flush_bench_redis() -> None:
    """Revocations and cache entries of an earlier run must not leak into this one."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    finally:
        client.close()
