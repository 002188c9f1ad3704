"""`flask seed`: users and posts, and the social plugins' steps (follows, likes, comments, tags).

The command uses the app's own sessions; with the per-test rollback fixture
they run on the test's connection, so what it commits is rolled back after.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from project.comments.models import Comment
from project.common import counters, seeding
from project.extensions import db
from project.follows.models import Follow
from project.likes.models import Like
from project.posts.models import Post
from project.tags.models import Tag, post_tags
from project.tags.schemas import TAG_PATTERN
from project.tags.services import joined
from project.users.models import User
from project.users.seed import SEED_PASSWORD
from tests.kit import count, item_ids, rows, scalar, walk

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
    assert "Seeded 5 users (password: postwell-seed), 40 posts (" in result.output
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
    assert "Seeded 0 users (password: postwell-seed), 0 posts (0 published)" in result.output
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


# The social plugins' steps: follows, likes, comments, tags.


def table_count(session, table) -> int:
    return scalar(session, select(func.count()).select_from(table))


def fingerprint(session) -> dict:
    """What a seed wrote, independent of ids and of the run's username suffix."""
    user_ids = session.scalars(select(User.id).order_by(User.id)).all()
    post_ids = session.scalars(select(Post.id).order_by(Post.id)).all()
    user_at = {user_id: index for index, user_id in enumerate(user_ids)}
    post_at = {post_id: index for index, post_id in enumerate(post_ids)}
    result = {
        "users": rows(
            session,
            select(
                User.display_name, User.post_count, User.follower_count, User.following_count
            ).order_by(User.id),
        ),
        "posts": rows(
            session,
            select(Post.title, Post.status, Post.like_count, Post.comment_count).order_by(Post.id),
        ),
        "tags": dict(session.execute(select(Tag.name, Tag.post_count)).all()),
        "follows": sorted(
            (user_at[a], user_at[b])
            for a, b in session.execute(select(Follow.follower_id, Follow.followee_id))
        ),
        "likes": sorted(
            (user_at[u], post_at[p]) for u, p in session.execute(select(Like.user_id, Like.post_id))
        ),
        "comments": sorted(
            (user_at[u], post_at[p], body)
            for u, p, body in session.execute(
                select(Comment.author_id, Comment.post_id, Comment.body)
            )
        ),
    }
    session.commit()
    return result


def test_every_step_is_registered_in_order(app):
    assert [step.name for step in seeding.registered(app)] == [
        "users",
        "posts",
        "tags",
        "follows",
        "likes",
        "comments",
    ]


def test_seed_creates_follows_likes_comments_and_tags_with_exact_counters(app, seed, session):
    result = seed("--users", "40", "--posts", "300", "--seed", "2")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for label in ("users", "posts", "post_tags", "follows", "likes", "comments"):
        assert any(re.fullmatch(rf"{label}: (\d+)/\1 \(100%\)", line) for line in lines), label

    follows, likes = table_count(session, Follow), table_count(session, Like)
    comments, tagged = table_count(session, Comment), table_count(session, post_tags)
    published = count(session, Post, Post.status == "published")
    # The default volumes: ~20 follows a user, ~2 likes and ~0.5 comments a
    # published post, 0-4 tags (2 on average) a post.
    assert 40 * 8 <= follows <= 40 * 39
    assert published * 1.2 <= likes <= published * 2.8
    assert published * 0.2 <= comments <= published * 0.8
    assert 300 * 1.5 <= tagged <= 300 * 2.5
    assert 0 < table_count(session, Tag) <= 200
    summary = next(line for line in lines if line.startswith("Seeded "))
    assert f"{follows} follows" in summary and f"{likes} likes" in summary
    assert f"{comments} comments" in summary

    # Only rows the API itself could have written.
    assert count(session, Follow, Follow.follower_id == Follow.followee_id) == 0
    drafts_touched = scalar(
        session,
        select(func.count())
        .select_from(Like)
        .join(Post, Post.id == Like.post_id)
        .where(Post.status == "draft"),
    ) + scalar(
        session,
        select(func.count())
        .select_from(Comment)
        .join(Post, Post.id == Comment.post_id)
        .where(Post.status == "draft"),
    )
    assert drafts_touched == 0
    per_post = session.execute(
        select(post_tags.c.post_id, func.count()).group_by(post_tags.c.post_id)
    ).all()
    assert max(n for _, n in per_post) <= 4
    assert_posts_show_their_tags(session)
    for name in session.scalars(select(Tag.name)):
        assert re.fullmatch(TAG_PATTERN, name), name
    early = scalar(
        session,
        select(func.count())
        .select_from(Comment)
        .join(Post, Post.id == Comment.post_id)
        .where(Comment.created_at < Post.created_at),
    )
    assert early == 0

    # Every counter equals its COUNT(*): `flask counters check` finds no drift.
    check = app.test_cli_runner().invoke(args=["counters", "check"])
    assert check.exit_code == 0, check.output
    assert len(check.output.splitlines()) == len(counters.registered(app)) == 6
    assert sum(session.scalars(select(Post.like_count))) == likes
    assert sum(session.scalars(select(User.follower_count))) == follows


def test_seeded_popularity_is_skewed(seed, session):
    result = seed("--users", "200", "--posts", "1000", "--seed", "4")
    assert result.exit_code == 0, result.output

    def top_share(values: list[int], fraction: float) -> float:
        ordered = sorted(values, reverse=True)
        return sum(ordered[: max(1, int(len(ordered) * fraction))]) / sum(ordered)

    # Zipf: the most followed tenth of users has most of the followers, the
    # most liked tenth of posts most of the likes, the most used tag far
    # more posts than a typical one.
    assert top_share(list(session.scalars(select(User.follower_count))), 0.1) > 0.4
    assert top_share(list(session.scalars(select(Post.like_count))), 0.1) > 0.4
    tag_counts = sorted(session.scalars(select(Tag.post_count)), reverse=True)
    assert tag_counts[0] >= 10 * tag_counts[len(tag_counts) // 2]
    # Heavy-tailed follows: someone follows several times the average.
    following = list(session.scalars(select(User.following_count)))
    assert max(following) >= 3 * sum(following) / len(following)
    session.commit()


def test_seed_is_repeatable_with_the_same_seed(seed, session):
    assert seed("--users", "25", "--posts", "120", "--seed", "7").exit_code == 0
    first = fingerprint(session)
    assert first["follows"] and first["likes"] and first["comments"] and first["tags"]
    session.execute(sa.delete(User))
    session.execute(sa.delete(Tag))
    session.commit()

    assert seed("--users", "25", "--posts", "120", "--seed", "7").exit_code == 0
    assert fingerprint(session) == first

    session.execute(sa.delete(User))
    session.execute(sa.delete(Tag))
    session.commit()
    assert seed("--users", "25", "--posts", "120", "--seed", "8").exit_code == 0
    assert fingerprint(session) != first


def test_volumes_can_be_turned_off(seed, session):
    result = seed(
        "--users",
        "10",
        "--posts",
        "30",
        "--follows-per-user",
        "0",
        "--likes-per-post",
        "0",
        "--comments-per-post",
        "0",
    )
    assert result.exit_code == 0, result.output
    assert (table_count(session, Follow), table_count(session, Like)) == (0, 0)
    assert table_count(session, Comment) == 0
    assert count(session, Post) == 30


@pytest.mark.parametrize(
    "option", ["--follows-per-user", "--likes-per-post", "--comments-per-post"]
)
def test_seed_rejects_negative_volumes(seed, session, option):
    result = seed("--users", "3", option, "-1")
    assert result.exit_code == 2
    assert option in result.output
    assert all_users(session) == []


def test_a_second_run_adds_to_the_first(seed, session):
    """New users follow; new posts are liked, commented and tagged; nothing collides."""
    assert seed("--users", "15", "--posts", "60", "--seed", "1").exit_code == 0
    before = fingerprint(session)
    result = seed("--users", "15", "--posts", "60", "--seed", "1")
    assert result.exit_code == 0, result.output
    after = fingerprint(session)
    assert len(after["follows"]) > len(before["follows"])
    assert len(after["likes"]) > len(before["likes"])
    # The vocabulary is reused, not duplicated.
    assert set(after["tags"]) == set(before["tags"])
    assert sum(after["tags"].values()) > sum(before["tags"].values())
    assert_posts_show_their_tags(session)


def assert_posts_show_their_tags(session) -> None:
    """Each post's stored `tag_names` (what it is shown with) are its `post_tags` links."""
    linked: dict[int, list[str]] = {}
    for post_id, name in session.execute(
        select(post_tags.c.post_id, Tag.name).join(Tag, Tag.id == post_tags.c.tag_id)
    ):
        linked.setdefault(post_id, []).append(name)
    stored = dict(session.execute(select(Post.id, Post.tag_names)).all())
    assert any(stored.values())
    assert stored == {post_id: joined(linked.get(post_id, [])) for post_id in stored}


def test_postgresql_seed_ends_with_the_tables_vacuumed(build_app, postgres_url):
    """Index-only scans of freshly seeded tables need their visibility map: the
    seed vacuums (autovacuum may be minutes away, or off)."""
    seeding_app = build_app()
    with seeding_app.app_context():
        before = db.session.execute(sa.text(VACUUM_COUNT)).scalar_one()
        db.session.commit()
        seeding.vacuum_analyze()
        after = db.session.execute(sa.text(VACUUM_COUNT)).scalar_one()
        statement_timeout = db.session.execute(sa.text("SHOW statement_timeout")).scalar_one()
        db.session.commit()
    assert after > before
    assert statement_timeout != "0"  # the connection went back to the pool as it was


VACUUM_COUNT = "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'posts'"
