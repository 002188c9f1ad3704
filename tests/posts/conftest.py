"""Fixtures for the posts tests: posts with chosen authors, statuses and timestamps."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from project.posts.models import Post
from project.users.models import User
from tests.posts.helpers import BASE_TIME


@pytest.fixture
def make_posts(session, user_factory) -> Callable[..., list[Post]]:
    """Insert `count` posts with explicit timestamps, in one commit.

    The authors' `post_count` is kept as the API keeps it (published posts).

    Post `i` is written by `authors[i % len(authors)]` at `start + i * step`
    (so later posts are newer); `step=timedelta(0)` gives them all one
    timestamp. Returns the posts in insertion order, ids assigned.
    """

    def make(
        count: int,
        *,
        authors: Sequence | None = None,
        status: str = "published",
        start: datetime = BASE_TIME,
        step: timedelta = timedelta(seconds=1),
        prefix: str = "post",
    ) -> list[Post]:
        authors = list(authors) if authors else [user_factory()]
        posts = [
            Post(
                author_id=authors[number % len(authors)].id,
                title=f"{prefix} {number}",
                body=f"body of {prefix} {number}",
                status=status,
                created_at=start + number * step,
                updated_at=start + number * step,
            )
            for number in range(count)
        ]
        session.add_all(posts)
        if status == "published":
            for author_id, written in Counter(post.author_id for post in posts).items():
                session.execute(
                    sa.update(User)
                    .where(User.id == author_id)
                    .values(post_count=User.post_count + written)
                )
        session.commit()
        return posts

    return make
