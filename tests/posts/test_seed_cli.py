"""`flask seed`: fake users and posts.

The command uses the app's own sessions; with the per-test rollback fixture
they run on the test's connection, so what it commits is rolled back after.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from project.posts.cli import SEED_PASSWORD
from project.posts.models import Post
from project.users.models import User
from tests.kit import item_ids, walk

USERNAME = re.compile(r"[A-Za-z0-9_]{3,20}")


@pytest.fixture
def seed(app):
    runner = app.test_cli_runner()

    def run(*args: str):
        # `flask seed` gets its app context from FlaskGroup; `app.cli` (what
        # the test runner invokes) does not push one for a plain command.
        with app.app_context():
            return runner.invoke(args=["seed", *args])

    return run


def all_users(session) -> list[User]:
    return list(
        session.scalars(select(User).order_by(User.id).execution_options(populate_existing=True))
    )


def all_posts(session) -> list[Post]:
    return list(session.scalars(select(Post).order_by(Post.id)))


def published_counts(session) -> Counter:
    rows = session.execute(
        select(Post.author_id, func.count(Post.id))
        .where(Post.status == "published")
        .group_by(Post.author_id)
    )
    return Counter(dict(rows.all()))


def test_seed_creates_users_and_posts(seed, session, client, login):
    before = datetime.now(UTC)
    result = seed("--users", "5", "--posts", "40", "--seed", "1")
    after = datetime.now(UTC)
    assert result.exit_code == 0, result.output
    assert "Seeded 5 users and 40 posts" in result.output
    assert SEED_PASSWORD in result.output

    users, posts = all_users(session), all_posts(session)
    assert len(users) == 5
    assert len(posts) == 40
    user_ids = {user.id for user in users}
    assert {post.author_id for post in posts} <= user_ids
    assert {post.status for post in posts} <= {"draft", "published"}

    # post_count is each user's number of published posts.
    counts = published_counts(session)
    assert {user.id: user.post_count for user in users} == {
        user.id: counts[user.id] for user in users
    }
    assert sum(user.post_count for user in users) == sum(
        post.status == "published" for post in posts
    )

    for user in users:
        assert USERNAME.fullmatch(user.username), user.username
        assert user.email == f"{user.username}@example.com"
        assert not user.is_admin
        assert user.created_at.tzinfo is not None
        assert user.created_at < before
    assert len({user.username.lower() for user in users}) == 5
    author_since = {user.id: user.created_at for user in users}
    for post in posts:
        assert 1 <= len(post.title) <= 200
        assert 1 <= len(post.body) <= 50_000
        assert post.created_at.tzinfo is not None
        # Accounts are 30+ days old; their posts are from the last 30 days.
        assert author_since[post.author_id] < post.created_at <= after

    # Seeded users log in with the documented password.
    for user in users[:2]:
        assert login(user.username, SEED_PASSWORD)["access_token"]
        assert login(user.email, SEED_PASSWORD)["access_token"]

    # And the API serves what was seeded: every published post, newest first.
    walked = item_ids(walk(client, "/api/v1/posts?limit=7"))
    published = sorted(
        (post for post in posts if post.status == "published"),
        key=lambda post: (post.created_at, post.id),
        reverse=True,
    )
    assert walked == [post.id for post in published]
    for user in users:
        profile = client.get(f"/api/v1/users/{user.id}").json
        assert profile["post_count"] == counts[user.id]


def test_seed_without_users_cannot_write_posts(seed, session):
    result = seed("--posts", "5", "--users", "0")
    assert result.exit_code == 1
    assert "no users to write posts" in result.output
    assert all_posts(session) == []
    assert all_users(session) == []


def test_seed_with_nothing_to_do_succeeds(seed, session):
    result = seed("--users", "0", "--posts", "0")
    assert result.exit_code == 0, result.output
    assert "Seeded 0 users and 0 posts" in result.output
    assert all_users(session) == []


@pytest.mark.parametrize(
    "args", [("--users", "-1"), ("--posts", "-1"), ("--users", "many"), ("--seed", "x")]
)
def test_seed_rejects_bad_options(seed, session, args):
    result = seed(*args)
    assert result.exit_code == 2
    assert all_users(session) == []


def test_seed_gives_posts_to_existing_users_and_recounts_everyone(
    seed, session, user_factory, post_factory
):
    existing = user_factory(username="existing", post_count=99)  # a wrong count
    post_factory.create_batch(2, author=existing)
    post_factory(author=existing, status="draft")

    result = seed("--users", "0", "--posts", "10", "--seed", "3")
    assert result.exit_code == 0, result.output
    posts = all_posts(session)
    assert len(posts) == 13
    assert {post.author_id for post in posts} == {existing.id}
    stored = session.scalar(
        select(User).where(User.id == existing.id).execution_options(populate_existing=True)
    )
    assert stored.post_count == published_counts(session)[existing.id]
    assert 2 <= stored.post_count <= 12


def test_seed_can_run_twice_with_the_same_seed(seed, session):
    first = seed("--users", "5", "--posts", "20", "--seed", "1")
    assert first.exit_code == 0, first.output
    first_titles = [post.title for post in all_posts(session)]

    second = seed("--users", "5", "--posts", "20", "--seed", "1")
    assert second.exit_code == 0, second.output
    users = all_users(session)
    assert len(users) == 10
    assert len({user.username.lower() for user in users}) == 10
    assert len({user.email.lower() for user in users}) == 10
    # Repeatable: the same seed writes the same content.
    second_titles = [post.title for post in all_posts(session)][20:]
    assert second_titles == first_titles
    counts = published_counts(session)
    assert all(user.post_count == counts[user.id] for user in users)


def test_seed_runs_without_a_seed_differ(seed, session):
    assert seed("--users", "3", "--posts", "0").exit_code == 0
    assert seed("--users", "3", "--posts", "0").exit_code == 0
    assert len({user.username.lower() for user in all_users(session)}) == 6


@pytest.mark.slow
def test_seeded_usernames_stay_unique_and_valid_beyond_4096_users(seed, session):
    # Past 0xfff the hex suffix grows; it must never be cut off to fit 20 characters.
    result = seed("--users", "6000", "--posts", "0", "--seed", "3")
    assert result.exit_code == 0, result.output
    names = session.scalars(select(User.username)).all()
    assert len(names) == 6000
    assert len({name.lower() for name in names}) == 6000
    assert all(USERNAME.fullmatch(name) for name in names)


def test_progress_is_reported_in_lines_when_not_on_a_terminal(app, session):
    """CliRunner's output is no terminal: no redrawn bars, one line per report."""
    result = app.test_cli_runner().invoke(args=["seed", "--users", "3", "--posts", "7"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "users: 3/3 (100%)" in lines
    assert "posts: 7/7 (100%)" in lines
    assert "\r" not in result.output
