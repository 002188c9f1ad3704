"""Concurrent writers on PostgreSQL: tag counts end equal to COUNT(*), and nobody gets a 500.

Threads drive one app instance (each request its own session and connection)
and commit for real: brand-new tags created by many posts at once, the same
posts' tags and status changed at once, posts and a whole user deleted
meanwhile. Runs when DATABASE_URL is PostgreSQL (the PostgreSQL CI run);
everything it creates is deleted afterwards.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from project.extensions import db
from project.posts.models import Post
from project.tags.models import Tag, post_tags
from project.users.models import User
from tests.auth.helpers import forget_users
from tests.kit import PASSWORD, bearer
from tests.tags.helpers import POSTS

pytestmark = pytest.mark.committing

THREADS = 6
ROUNDS = 8
DEADLINE = 60  # seconds for all threads; the work takes a few


@pytest.fixture
def instance(build_app, is_postgres):
    if not is_postgres:
        pytest.skip("row locks and concurrent writers: the PostgreSQL run covers this")
    return build_app()


@pytest.fixture
def crowd(instance, login):
    """THREADS users registered through the API, with tokens; deleted afterwards, tags too."""
    prefix = "cc" + uuid.uuid4().hex[:8]
    client = instance.test_client()
    names = [f"{prefix}_{number}" for number in range(THREADS)]
    headers = []
    try:
        for name in names:
            response = client.post(
                "/api/v1/users",
                json={"username": name, "email": f"{name}@example.com", "password": PASSWORD},
            )
            assert response.status_code == 201, response.json
            headers.append(bearer(login(name, via=client)["access_token"]))
        yield prefix, names, headers
    finally:
        forget_users(instance, *names)
        with instance.app_context():
            db.session.execute(sa.delete(Tag).where(Tag.name.like(f"{prefix}%")))
            db.session.commit()


def run_threads(work: Callable[[int], None]) -> None:
    """Run `work(i)` in THREADS threads released together; re-raise the first failure."""
    barrier = threading.Barrier(THREADS, timeout=DEADLINE)
    errors: list[BaseException] = []

    def target(number: int) -> None:
        try:
            barrier.wait()
            work(number)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(n,), daemon=True) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE)
    assert not any(thread.is_alive() for thread in threads), "threads did not finish"
    if errors:
        raise errors[0]


def stored_counts(instance, prefix: str) -> tuple[dict[str, int], dict[str, int]]:
    """(tags.post_count, COUNT(*) of published posts) per tag of this test."""
    with instance.app_context():
        published = (
            sa.select(sa.func.count())
            .select_from(post_tags.join(Post, Post.id == post_tags.c.post_id))
            .where(post_tags.c.tag_id == Tag.id, Post.status == "published")
            .scalar_subquery()
        )
        rows = db.session.execute(
            sa.select(Tag.name, Tag.post_count, published).where(Tag.name.like(f"{prefix}%"))
        ).all()
        db.session.remove()
    return {name: n for name, n, _ in rows}, {name: n for name, _, n in rows}


def stored_post_counts(instance, usernames) -> tuple[dict[str, int], dict[str, int]]:
    with instance.app_context():
        published = (
            sa.select(sa.func.count())
            .where(Post.author_id == User.id, Post.status == "published")
            .scalar_subquery()
        )
        rows = db.session.execute(
            sa.select(User.username, User.post_count, published).where(User.username.in_(usernames))
        ).all()
        db.session.remove()
    return {name: n for name, n, _ in rows}, {name: n for name, _, n in rows}


def test_concurrent_writes_keep_every_count_equal_to_count_star(instance, crowd):
    prefix, names, headers = crowd
    tags = [f"{prefix}-{letter}" for letter in "abcdef"]
    created: dict[int, list[int]] = {number: [] for number in range(THREADS)}

    def create(number: int) -> None:
        client = instance.test_client()
        rng = random.Random(number)
        for _ in range(ROUNDS):
            chosen = rng.sample(tags, rng.randint(1, len(tags)))  # new tags, in any order
            response = client.post(
                POSTS,
                json={
                    "title": "Race",
                    "body": "B",
                    "tags": chosen,
                    "status": rng.choice(["published", "published", "draft"]),
                },
                headers=headers[number],
            )
            assert response.status_code == 201, response.get_data(as_text=True)
            created[number].append(response.json["id"])

    run_threads(create)
    counts, truth = stored_counts(instance, prefix)
    assert counts == truth and sum(counts.values()) > 0

    # Every thread now edits (and deletes) the same posts, by the first
    # author: the posts' owner edits through one token from every thread.
    shared = created[0]

    def edit(number: int) -> None:
        client = instance.test_client()
        rng = random.Random(100 + number)
        for round_number in range(ROUNDS):
            post_id = rng.choice(shared)
            if number == THREADS - 1 and round_number == ROUNDS // 2:
                response = client.delete(f"{POSTS}/{post_id}", headers=headers[0])
                assert response.status_code in (204, 404), response.get_data(as_text=True)
                continue
            body = {
                "tags": rng.sample(tags, rng.randint(0, 3)),
                "status": rng.choice(["published", "draft"]),
            }
            response = client.patch(f"{POSTS}/{post_id}", json=body, headers=headers[0])
            assert response.status_code in (200, 404), response.get_data(as_text=True)
        if number == 1:
            # One author leaves while the others still write.
            response = client.delete(
                f"/api/v1/users/{user_id(instance, names[1])}", headers=headers[1]
            )
            assert response.status_code == 204, response.get_data(as_text=True)

    run_threads(edit)
    counts, truth = stored_counts(instance, prefix)
    assert counts == truth
    post_counts, post_truth = stored_post_counts(instance, names)
    assert post_counts == post_truth
    assert names[1] not in post_counts


def user_id(instance, username: str) -> int:
    with instance.app_context():
        found = db.session.scalar(sa.select(User.id).where(User.username == username))
        db.session.remove()
    return found
