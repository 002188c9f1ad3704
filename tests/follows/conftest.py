"""Fixtures for the follows tests: follows through the API, or stored with chosen times."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from project.follows.models import Follow
from project.users.models import User
from tests.follows.helpers import follow_url
from tests.posts.conftest import make_posts  # noqa: F401  (posts for the feed tests)
from tests.posts.helpers import BASE_TIME


@pytest.fixture
def follow(client, auth) -> Callable[..., None]:
    """`follow(a, b)`: `a` follows `b` through the API (a 204)."""

    def run(follower, followee) -> None:
        response = client.put(follow_url(followee), headers=auth(follower))
        assert response.status_code == 204, response.get_data(as_text=True)

    return run


@pytest.fixture
def make_follows(session) -> Callable[..., list[Follow]]:
    """Store `(follower, followee)` pairs, the i-th at `start + i * step`, then recount.

    Returns the follows in order, ids assigned; counters match the rows.
    """

    def make(
        pairs: Sequence[tuple], *, start: datetime = BASE_TIME, step=timedelta(seconds=1)
    ) -> list[Follow]:
        follows = [
            Follow(follower_id=a.id, followee_id=b.id, created_at=start + number * step)
            for number, (a, b) in enumerate(pairs)
        ]
        session.add_all(follows)
        session.flush()
        count = sa.select(sa.func.count()).select_from(Follow).correlate(User)
        session.execute(
            sa.update(User).values(
                follower_count=count.where(Follow.followee_id == User.id).scalar_subquery(),
                following_count=count.where(Follow.follower_id == User.id).scalar_subquery(),
            )
        )
        session.commit()
        return follows

    return make
