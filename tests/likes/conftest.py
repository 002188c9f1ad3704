"""Fixtures for the likes tests: likes at chosen times."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
import sqlalchemy as sa

from project.likes.models import Like
from project.posts.models import Post


@pytest.fixture
def add_like(session) -> Callable[..., Like]:
    """`add_like(user, post, at)`: a stored like; `posts.like_count` kept as the API keeps it."""

    def add(user, post, at: datetime) -> Like:
        like = Like(user_id=user.id, post_id=post.id, created_at=at)
        session.add(like)
        session.execute(
            sa.update(Post).where(Post.id == post.id).values(like_count=Post.like_count + 1)
        )
        session.commit()
        return like

    return add
