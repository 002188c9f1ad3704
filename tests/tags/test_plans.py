"""On PostgreSQL each tag's page is planned for the number of posts it has."""

from __future__ import annotations

import pytest

from tests.tags.helpers import POSTS

POSTS_COUNT = 4000
RARE = 5


@pytest.fixture
def common_and_rare_tags(is_postgres, session, alice):
    """4,000 published posts: every other one tagged `common`, five tagged `rare`."""
    if not is_postgres:
        pytest.skip("query plans are PostgreSQL's")
    connection = session.connection()
    connection.exec_driver_sql(
        "INSERT INTO posts (author_id, title, body, status, created_at, updated_at) "
        "SELECT %(author)s, 'T', 'B', 'published', now() - make_interval(secs => n), now() "
        "FROM generate_series(1, %(count)s) AS n",
        {"author": alice.id, "count": POSTS_COUNT},
    )
    connection.exec_driver_sql("INSERT INTO tags (name) VALUES ('common'), ('rare')")
    connection.exec_driver_sql(
        "INSERT INTO post_tags (post_id, tag_id) SELECT posts.id, tags.id FROM posts, tags "
        "WHERE tags.name = 'common' AND mod(posts.id, 2) = 0 "
        "UNION ALL SELECT posts.id, tags.id FROM posts, tags WHERE tags.name = 'rare' "
        f"AND posts.id IN (SELECT id FROM posts ORDER BY id LIMIT {RARE})"
    )
    # ANALYZE may run in the test's transaction: its statistics go with the rollback.
    connection.exec_driver_sql("ANALYZE posts, tags, post_tags")
    session.commit()
    return connection


def plan_of(connection, statement) -> str:
    rows = connection.exec_driver_sql(f"EXPLAIN {statement.sql}", statement.parameters)
    return "\n".join(row[0] for row in rows)


def test_a_common_tag_walks_the_posts_by_date(common_and_rare_tags, client, capture_sql):
    with capture_sql() as statements:
        assert len(client.get(f"{POSTS}?tag=common").json["items"]) == 20
    plan = plan_of(common_and_rare_tags, statements[-1])
    # The newest posts first, each checked for the tag, until the page is full.
    assert "ix_posts_status_created_at_id" in plan, plan
    assert "Sort" not in plan, plan


def test_a_rare_tag_fetches_its_few_posts(common_and_rare_tags, client, capture_sql):
    with capture_sql() as statements:
        assert len(client.get(f"{POSTS}?tag=rare").json["items"]) == RARE
    plan = plan_of(common_and_rare_tags, statements[-1])
    assert "ix_post_tags_tag_id_post_id" in plan, plan
    assert "ix_posts_status_created_at_id" not in plan, plan
