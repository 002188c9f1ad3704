"""`flask counters check [--fix]`, and the CHECK (n >= 0) guard on every counter."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from project.common import counters
from project.extensions import db
from project.posts.models import Post
from project.tags.models import Tag
from project.users.models import User
from tests.kit import scalar

COUNTERS = [
    "posts.comment_count",
    "posts.like_count",
    "tags.post_count",
    "users.follower_count",
    "users.following_count",
    "users.post_count",
]


@pytest.fixture
def run(app):
    def invoke(*args: str):
        return app.test_cli_runner().invoke(args=["counters", "check", *args])

    return invoke


@pytest.fixture
def counted(client, auth, alice, bob):
    """A post by alice tagged `python`, 2 comments, 1 like; bob follows alice; all by the API."""
    post = client.post(
        "/api/v1/posts", json={"title": "t", "body": "b", "tags": ["python"]}, headers=auth(alice)
    ).json
    assert client.put(f"/api/v1/users/{alice.id}/follow", headers=auth(bob)).status_code < 300
    for user in (alice, bob):
        client.post(f"/api/v1/posts/{post['id']}/comments", json={"body": "c"}, headers=auth(user))
    client.put(f"/api/v1/posts/{post['id']}/like", headers=auth(bob))
    return post


def test_every_counter_of_the_app_is_registered(app):
    assert sorted(counters.registered(app)) == COUNTERS


def test_counters_kept_by_the_api_check_clean(run, counted):
    result = run()
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"{name}: ok" for name in COUNTERS]


def test_drift_is_reported_then_fixed(run, session, counted, alice):
    session.execute(sa.update(Post).where(Post.id == counted["id"]).values(like_count=7))
    session.execute(sa.update(Post).where(Post.id == counted["id"]).values(comment_count=0))
    session.execute(sa.update(User).where(User.id == alice.id).values(post_count=3))
    session.commit()
    updated_at = scalar(session, sa.select(Post.updated_at).where(Post.id == counted["id"]))

    result = run()
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [
        "posts.comment_count: 1 row(s) drifted, off by 2 in all",
        "posts.like_count: 1 row(s) drifted, off by 6 in all",
        "tags.post_count: ok",
        "users.follower_count: ok",
        "users.following_count: ok",
        "users.post_count: 1 row(s) drifted, off by 2 in all",
    ]
    # Checking changed nothing.
    assert scalar(session, sa.select(Post.like_count).where(Post.id == counted["id"])) == 7

    fixed = run("--fix")
    assert fixed.exit_code == 0, fixed.output
    assert "posts.like_count: fixed 1 row(s)" in fixed.output.splitlines()
    stored = session.execute(
        sa.select(Post.comment_count, Post.like_count).where(Post.id == counted["id"])
    ).one()
    session.commit()
    assert tuple(stored) == (2, 1)
    # A recount is not an edit.
    assert scalar(session, sa.select(Post.updated_at).where(Post.id == counted["id"])) == updated_at
    assert scalar(session, sa.select(User.post_count).where(User.id == alice.id)) == 1
    assert run().exit_code == 0


@pytest.mark.parametrize(
    ("model", "column"),
    [
        (User, User.post_count),
        (User, User.follower_count),
        (User, User.following_count),
        (Post, Post.comment_count),
        (Post, Post.like_count),
        (Tag, Tag.post_count),
    ],
)
def test_no_counter_can_go_negative(session, counted, model, column):
    with pytest.raises(sa.exc.IntegrityError, match=r"ck_\w+_nonnegative|CHECK"):
        session.execute(sa.update(model).values({column.key: -1}))
        session.flush()
    session.rollback()


def test_follow_and_tag_counters_drift_is_reported_then_fixed(run, session, counted, alice, bob):
    session.execute(sa.update(User).where(User.id == alice.id).values(follower_count=4))
    session.execute(sa.update(User).where(User.id == bob.id).values(following_count=0))
    session.execute(sa.update(Tag).where(Tag.name == "python").values(post_count=9))
    session.commit()

    result = run()
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [
        "posts.comment_count: ok",
        "posts.like_count: ok",
        "tags.post_count: 1 row(s) drifted, off by 8 in all",
        "users.follower_count: 1 row(s) drifted, off by 3 in all",
        "users.following_count: 1 row(s) drifted, off by 1 in all",
        "users.post_count: ok",
    ]

    fixed = run("--fix")
    assert fixed.exit_code == 0, fixed.output
    assert "users.follower_count: fixed 1 row(s)" in fixed.output.splitlines()
    stored = session.execute(
        sa.select(User.follower_count, User.following_count)
        .where(User.id.in_([alice.id, bob.id]))
        .order_by(User.id)
    ).all()
    session.commit()
    assert [tuple(row) for row in stored] == [(1, 0), (0, 1)]
    assert scalar(session, sa.select(Tag.post_count).where(Tag.name == "python")) == 1
    assert run().exit_code == 0


def test_tag_counter_counts_published_posts_only(run, session, client, auth, alice, counted):
    draft = {"title": "d", "body": "b", "tags": ["python"], "status": "draft"}
    assert client.post("/api/v1/posts", json=draft, headers=auth(alice)).status_code == 201
    assert run().exit_code == 0
    session.execute(sa.update(Tag).where(Tag.name == "python").values(post_count=2))
    session.commit()
    assert "tags.post_count: 1 row(s) drifted, off by 1 in all" in run().output.splitlines()


def test_the_fix_for_a_bulk_load_is_one_update_per_table(app, session, counted, alice):
    """`flask seed` recounts with these: a post's two counters written in one UPDATE."""
    session.execute(
        sa.update(Post).where(Post.id == counted["id"]).values(like_count=5, comment_count=5)
    )
    session.execute(sa.update(User).where(User.id == alice.id).values(follower_count=5))
    session.commit()
    statements = counters.fix_statements(app)
    assert sorted(statement.table.name for statement in statements) == ["posts", "tags", "users"]
    with app.app_context():
        fixed = {s.table.name: db.session.execute(s).rowcount for s in statements}
        db.session.commit()
    assert fixed == {"posts": 1, "tags": 0, "users": 1}
    stored = session.execute(
        sa.select(Post.like_count, Post.comment_count).where(Post.id == counted["id"])
    ).one()
    session.commit()
    assert tuple(stored) == (1, 2)
