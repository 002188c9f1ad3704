"""Fixtures for the comments tests: comments with chosen authors and timestamps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from project.comments.models import Comment
from project.posts.models import Post
from tests.posts.helpers import BASE_TIME


@pytest.fixture
def make_comments(session) -> Callable[..., list[Comment]]:
    """Insert `count` comments on `post`, comment `i` by `authors[i % len(authors)]`
    at `start + i * step`, in one commit; `posts.comment_count` is kept as the API keeps it.
    """

    def make(
        post,
        count: int,
        *,
        authors: Sequence,
        start: datetime = BASE_TIME,
        step: timedelta = timedelta(seconds=1),
    ) -> list[Comment]:
        comments = [
            Comment(
                post_id=post.id,
                author_id=authors[number % len(authors)].id,
                body=f"comment {number}",
                created_at=start + number * step,
                updated_at=start + number * step,
            )
            for number in range(count)
        ]
        session.add_all(comments)
        session.execute(
            sa.update(Post)
            .where(Post.id == post.id)
            .values(comment_count=Post.comment_count + count)
        )
        session.commit()
        return comments

    return make
