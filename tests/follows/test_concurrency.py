"""Follows under concurrency (PostgreSQL, threads): one follow per pair, no lost counts.

Each request runs in its own thread, app context and database connection of
one app built for the test (`build_app`), all released at once by a barrier.
These tests commit for real and delete the users they register (their follows
go with them).
"""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from project.extensions import db
from project.follows.models import Follow
from tests.auth.helpers import forget_users
from tests.follows.helpers import counter_drift, follow_url
from tests.kit import bearer, register, user_url

pytestmark = pytest.mark.committing

TIMEOUT = 60  # seconds, for the whole burst; a deadlock would hang until then


@pytest.fixture
def instance(is_postgres, build_app):
    if not is_postgres:
        pytest.skip("needs PostgreSQL: set DATABASE_URL (the PostgreSQL CI run does)")
    # One connection per thread: nobody waits for the pool.
    return build_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 25, "max_overflow": 5})


@pytest.fixture
def people(instance, login) -> Iterator[Callable[[int], list[SimpleNamespace]]]:
    """`people(n)`: n users registered on `instance`, each with `id`, `username`, `headers`."""
    tag = uuid.uuid4().hex[:8]
    made: list[str] = []
    client = instance.test_client()

    def make_people(count: int) -> list[SimpleNamespace]:
        users = []
        for _ in range(count):
            username = f"c{tag}_{len(made)}"
            user_id = register(client, username)["id"]
            made.append(username)
            token = login(username, via=client)["access_token"]
            users.append(SimpleNamespace(id=user_id, username=username, headers=bearer(token)))
        return users

    try:
        yield make_people
    finally:
        forget_users(instance, *made)


def burst(instance, requests: list[tuple[str, str, dict]]) -> list[int]:
    """Send `(method, url, headers)` requests all at once; their statuses, in order."""
    barrier = threading.Barrier(len(requests), timeout=TIMEOUT)

    def send(request: tuple[str, str, dict]) -> int:
        method, url, headers = request
        client = instance.test_client()
        barrier.wait()
        return client.open(url, method=method, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        futures = [pool.submit(send, request) for request in requests]
        return [future.result(timeout=TIMEOUT) for future in futures]


def stored(instance, users: list[SimpleNamespace]) -> dict:
    """Follows by `users`, and those of `users` whose counters differ from COUNT(*)."""
    ids = [user.id for user in users]
    with instance.app_context():
        follows = db.session.scalar(
            sa.select(sa.func.count()).select_from(Follow).where(Follow.follower_id.in_(ids))
        )
        return {"follows": follows, "drift": counter_drift(db.session, ids)}


def profile(instance, user: SimpleNamespace) -> dict:
    return instance.test_client().get(user_url(user)).json


def test_ten_concurrent_follows_of_one_pair_are_one_follow(instance, people):
    alice, bob = people(2)

    statuses = burst(instance, [("PUT", follow_url(bob), alice.headers)] * 10)

    assert statuses == [204] * 10
    assert stored(instance, [alice, bob]) == {"follows": 1, "drift": []}
    assert profile(instance, bob)["follower_count"] == 1
    assert profile(instance, alice)["following_count"] == 1


def test_twenty_users_following_one_at_once_are_all_counted(instance, people):
    star, *fans = people(21)

    statuses = burst(instance, [("PUT", follow_url(star), fan.headers) for fan in fans])

    assert statuses == [204] * 20
    assert profile(instance, star)["follower_count"] == 20
    assert stored(instance, [star, *fans]) == {"follows": 20, "drift": []}


def test_mutual_follows_and_unfollows_at_once_keep_every_counter_exact(instance, people):
    """Pairs following each other both ways at once (row locks in both orders) and
    repeated unfollows: no deadlock, no error, counters equal COUNT(*)."""
    users = people(6)
    rng = random.Random(7)
    requests = [
        (method, follow_url(b), a.headers)
        for a in users
        for b in users
        if a is not b
        for method in ["PUT", rng.choice(["PUT", "DELETE"])]
    ]
    rng.shuffle(requests)

    statuses = burst(instance, requests[:24])

    assert statuses == [204] * 24
    assert stored(instance, users)["drift"] == []
