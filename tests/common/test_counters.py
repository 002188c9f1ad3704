"""`flask counters check [--fix]`, and the CHECK (n >= 0) guard on every counter."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from project.common import counters
from project.posts.models import Post
from project.users.models import User
from tests.kit import scalar

COUNTERS = ["posts.comment_count", "posts.like_count", "users.post_count"]


@pytest.fixture
def run(app):
    def invoke(*args: str):
        return app.test_cli_runner().invoke(args=["counters", "check", *args])

    return invoke


@pytest.fixture
def counted(client, auth, alice, bob):
    """A post by alice with 2 comments and 1 like, all through the API."""
    post = client.post("/api/v1/posts", json={"title": "t", "body": "b"}, headers=auth(alice)).json
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
    [(User, User.post_count), (Post, Post.comment_count), (Post, Post.like_count)],
)
def test_no_counter_can_go_negative(session, counted, model, column):
    with pytest.raises(sa.exc.IntegrityError, match=r"ck_\w+_nonnegative|CHECK"):
        session.execute(sa.update(model).values({column.key: -1}))
        session.flush()
    session.rollback()
