"""Follows-only helpers: URLs, and the counters as stored against COUNT(*)."""

from __future__ import annotations

import sqlalchemy as sa

from project.follows.models import Follow
from project.users.models import User
from tests.kit import rows, user_url

FEED = "/api/v1/feed"


def follow_url(user) -> str:
    return user_url(user) + "/follow"


def followers_url(user) -> str:
    return user_url(user) + "/followers"


def following_url(user) -> str:
    return user_url(user) + "/following"


def stored_counts(session, user) -> tuple[int, int]:
    """(follower_count, following_count) as stored now."""
    [row] = rows(
        session,
        sa.select(User.follower_count, User.following_count).where(User.id == user.id),
    )
    return row["follower_count"], row["following_count"]


def counter_drift(session, user_ids=None) -> list[dict]:
    """Users whose stored counters differ from COUNT(*) of their follows (empty: consistent)."""
    followers = (
        sa.select(sa.func.count())
        .where(Follow.followee_id == User.id)
        .correlate(User)
        .scalar_subquery()
    )
    following = (
        sa.select(sa.func.count())
        .where(Follow.follower_id == User.id)
        .correlate(User)
        .scalar_subquery()
    )
    stmt = sa.select(
        User.id,
        User.follower_count,
        followers.label("followers"),
        User.following_count,
        following.label("following"),
    ).where(sa.or_(User.follower_count != followers, User.following_count != following))
    if user_ids is not None:
        stmt = stmt.where(User.id.in_(user_ids))
    return rows(session, stmt)
