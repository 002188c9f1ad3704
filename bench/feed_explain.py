"""EXPLAIN (ANALYZE, BUFFERS) of the feed at scale: `python -m bench.feed_explain`.

Creates the scratch database `postwell_feed_explain` on the PostgreSQL server
of DATABASE_URL (default: the local one), migrates it, bulk-loads 10,000
users, 1,000,000 posts (10% drafts, a year of timestamps, random authors) and
20 follows per user with `generate_series`, ANALYZEs,
then asks the app for feeds, captures the SQL it sends, and prints the plan
of that exact statement: user 1 (follows 200) first page and a deep page
(after 10,000 feed posts), user 2 (about 20 follows, typical) and user 3
(follows 2: a sparse feed). The database is dropped at the end. docs/feed.md
records a run.
"""

from __future__ import annotations

import os
import time
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa

from bench import log
from bench.database import drop_database, engine_for, flask_command, recreate_database
from project import create_app
from project.common.security import hash_password
from project.posts.models import POSTS_NEWEST_FIRST

DATABASE = "postwell_feed_explain"
USERS, POSTS, FOLLOWS_PER_USER, READER_FOLLOWS = 10_000, 1_000_000, 20, 200
PASSWORD = "postwell-feed-explain"
DEEP = 10_000  # feed posts before the deep page

LOAD = [
    # Users 1..N; one password hash for all (argon2 is slow on purpose).
    """
    INSERT INTO users (username, email, password_hash, is_admin, post_count,
                       follower_count, following_count, created_at, updated_at)
    SELECT 'u' || n, 'u' || n || '@example.com', :hash, false, 0, 0, 0,
           now() - interval '2 years', now() - interval '2 years'
    FROM generate_series(1, :users) AS n
    """,
    # Posts by random authors over the last year; one in ten a draft.
    """
    INSERT INTO posts (author_id, title, body, status, created_at, updated_at)
    SELECT author, 'Post ' || n, repeat('Lorem ipsum. ', 20), status, t, t
    FROM (SELECT n, 1 + floor(random() * :users)::int AS author,
                 CASE WHEN random() < 0.1 THEN 'draft' ELSE 'published' END AS status,
                 now() - random() * interval '365 days' AS t
          FROM generate_series(1, :posts) AS n) AS s
    """,
    # Every user follows about FOLLOWS_PER_USER random others...
    """
    INSERT INTO follows (follower_id, followee_id, created_at)
    SELECT f, g, now() - random() * interval '365 days'
    FROM (SELECT f, 1 + floor(random() * :users)::int AS g
          FROM generate_series(2, :users) AS f, generate_series(1, :per_user)) AS s
    WHERE f <> g
    ON CONFLICT DO NOTHING
    """,
    # ...and the reader (user 1) follows exactly READER_FOLLOWS of them.
    """
    INSERT INTO follows (follower_id, followee_id, created_at)
    SELECT 1, n, now() - random() * interval '365 days'
    FROM (SELECT n FROM generate_series(2, :users) AS n ORDER BY random() LIMIT :reader) AS s
    """,
    # ...and user 3 only 2 (a sparse feed: few posts by whom they follow).
    """
    DELETE FROM follows WHERE follower_id = 3 AND followee_id NOT IN
      (SELECT followee_id FROM follows WHERE follower_id = 3 ORDER BY followee_id LIMIT 2)
    """,
    # The counters, as the app would have kept them.
    """
    UPDATE users SET
      post_count = (SELECT count(*) FROM posts WHERE author_id = users.id
                    AND status = 'published'),
      follower_count = (SELECT count(*) FROM follows WHERE followee_id = users.id),
      following_count = (SELECT count(*) FROM follows WHERE follower_id = users.id)
    """,
]


def scratch_url() -> str:
    base = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    return urlunsplit(urlsplit(base)._replace(path=f"/{DATABASE}"))


def load(url: str, password_hash: str) -> None:
    engine = engine_for(url)
    params = {
        "hash": password_hash,
        "users": USERS,
        "posts": POSTS,
        "per_user": FOLLOWS_PER_USER,
        "reader": READER_FOLLOWS,
    }
    try:
        with engine.begin() as conn:
            for statement in LOAD:
                started = time.perf_counter()
                result = conn.execute(sa.text(statement), params)
                log(f"load: {result.rowcount:>9,} rows in {time.perf_counter() - started:5.1f} s")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    finally:
        engine.dispose()


def feed_statement(app, client, headers, query: dict) -> tuple[str, dict]:
    """The posts query the app sends for GET /api/v1/feed with `query`."""
    captured: list[tuple[str, dict]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "FROM posts" in statement:
            captured.append((statement, parameters))

    sa.event.listen(sa.Engine, "before_cursor_execute", record)
    try:
        response = client.get("/api/v1/feed", headers=headers, query_string=query)
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", record)
    assert response.status_code == 200, response.get_data(as_text=True)
    [found] = captured
    return found


def explain(url: str, statement: str, parameters: dict) -> str:
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(statement, parameters).all()  # warm the cache once
            rows = conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
            ).scalars()
            return "\n".join(rows)
    finally:
        engine.dispose()


def deep_row(url: str):
    """The DEEP-th post of user 1's feed (its keys make the deep page's cursor)."""
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                sa.text(
                    "SELECT created_at, id FROM posts WHERE status = 'published' AND author_id IN"
                    " (SELECT followee_id FROM follows WHERE follower_id = 1 UNION SELECT 1)"
                    " ORDER BY created_at DESC, id DESC OFFSET :skip LIMIT 1"
                ),
                {"skip": DEEP - 1},
            ).one()
    finally:
        engine.dispose()


def main() -> None:
    url = scratch_url()
    log(f"database: recreating {DATABASE}")
    recreate_database(url)
    try:
        seconds, _ = flask_command(["db", "upgrade"], url, timeout=300)
        log(f"database: migrated in {seconds:.1f} s")
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "LOG_LEVEL": "WARNING"}
        )
        with app.app_context():
            load(url, hash_password(PASSWORD))
        client = app.test_client()
        deep_cursor = POSTS_NEWEST_FIRST.cursor_after(deep_row(url))
        for title, reader, query in (
            ("user 1 (200 follows), first page", "u1", {"limit": 20}),
            (
                f"user 1, deep page (after {DEEP:,} posts)",
                "u1",
                {"limit": 20, "cursor": deep_cursor},
            ),
            ("user 2 (about 20 follows), first page", "u2", {"limit": 20}),
            ("user 3 (2 follows), first page", "u3", {"limit": 20}),
        ):
            login = client.post("/api/v1/auth/login", json={"login": reader, "password": PASSWORD})
            assert login.status_code == 200, login.get_data(as_text=True)
            headers = {"Authorization": f"Bearer {login.json['access_token']}"}
            statement, parameters = feed_statement(app, client, headers, query)
            log(f"\n-- {title}\n{statement}\n-- {parameters}\n")
            log(explain(url, statement, parameters))
    finally:
        drop_database(url)
        log(f"\ndatabase: dropped {DATABASE}")


if __name__ == "__main__":
    main()
