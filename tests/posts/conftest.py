"""Fixtures for the posts plugin's tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from project.posts.models import Post
from tests.posts.helpers import BASE_TIME


@pytest.fixture
def alice(user_factory):
    return user_factory(username="alice")


@pytest.fixture
def bob(user_factory):
    return user_factory(username="bob")


@pytest.fixture
def admin(user_factory):
    return user_factory(username="root_admin", is_admin=True)


@pytest.fixture
def auth(api) -> Callable[..., dict[str, str]]:
    """`auth(user)` -> Authorization headers for a fresh login of `user` (cached per user)."""
    tokens: dict[int, str] = {}

    def headers_for(user) -> dict[str, str]:
        if user.id not in tokens:
            tokens[user.id] = api.token_for(user)
        return api.bearer(tokens[user.id])

    return headers_for


@pytest.fixture
def make_posts(session, user_factory) -> Callable[..., list[Post]]:
    """Insert `count` posts with explicit timestamps, in one commit.

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
        session.commit()
        return posts

    return make


@pytest.fixture
def capture_sql():
    """Like `count_queries`, but keeps each SELECT with its bound parameters."""

    @contextmanager
    def capturing() -> Iterator[list[tuple[str, Any]]]:
        captured: list[tuple[str, Any]] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().upper().startswith("SELECT"):
                captured.append((" ".join(statement.split()), parameters))

        sa.event.listen(sa.Engine, "before_cursor_execute", record)
        try:
            yield captured
        finally:
            sa.event.remove(sa.Engine, "before_cursor_execute", record)

    return capturing
