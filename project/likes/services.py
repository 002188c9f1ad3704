"""Like rules: liking and unliking posts, the two lists, `liked`, `posts.like_count`.

The likes plugin is the only writer of `posts.like_count`. Every change is an
atomic `UPDATE posts SET like_count = like_count + :delta` in the transaction
of the like write, its delta the number of rows that write really changed:
`INSERT ... ON CONFLICT DO NOTHING` (1 or 0) to like, `DELETE` (1 or 0) to
unlike. Liking twice, or two concurrent likes by one user, count once, and
both answer 204. Writers lock the post first (`visible_post(for_update=True)`)
so a like never races the post's deletion into a foreign-key error. When a
user is deleted, `fix_counts_for_deleted_user` takes their likes off the
counts of other people's posts (ON DELETE CASCADE removes rows, not counts).

Raises domain errors; the viewer and the actor are passed in by the route.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Integer, any_, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import contains_eager, joinedload

from project.common import counters, invalidation, reads
from project.common.models import utcnow
from project.common.pagination import Page, PageRequest, paginate
from project.common.sql import insert_ignore
from project.extensions import db
from project.likes.models import Like
from project.posts.models import Post, PostStatus
from project.posts.services import adjust_post_counter, visible_post
from project.users.models import User
from project.users.services import get_user

# What `posts.like_count` counts, correlated to posts (for `flask counters check`).
ACTUAL_LIKE_COUNT = counters.Count(Like.post_id)


def like_post(*, post_id: int, user: User) -> None:
    """Like a post the user can see; liking it again changes nothing."""
    post = visible_post(post_id, user, for_update=True)
    inserted = insert_ignore(Like, {"user_id": user.id, "post_id": post.id, "created_at": utcnow()})
    adjust_post_counter(post.id, Post.like_count, inserted)
    if inserted:
        invalidation.changed(invalidation.viewer_key(user.id))  # their `liked`
    db.session.commit()


def unlike_post(*, post_id: int, user: User) -> None:
    """Take back a like; unliking a post the user does not like changes nothing."""
    post = visible_post(post_id, user, for_update=True)
    deleted = db.session.execute(
        delete(Like).where(Like.user_id == user.id, Like.post_id == post.id)
    ).rowcount
    adjust_post_counter(post.id, Post.like_count, -deleted)
    if deleted:
        invalidation.changed(invalidation.viewer_key(user.id))  # their `liked`
    db.session.commit()


# Built once, values bound per call (see `project.posts.services.post_by_id`),
# in Core on the table's columns and run on `reads.connection()`: the
# ORM's per-execution set-up cost more than this query's own Python (the same
# for the posts it is asked about, `project.posts.reads`).
# On PostgreSQL the ids go as one array (`= ANY(...)`): an expanding IN renders
# a placeholder per id into the SQL on every call.
likes = Like.__table__
LIKED_AMONG = {
    "postgresql": select(likes.c.post_id).where(
        likes.c.user_id == bindparam("user_id"),
        likes.c.post_id == any_(bindparam("post_ids", type_=postgresql.ARRAY(Integer))),
    ),
    "sqlite": select(likes.c.post_id).where(
        likes.c.user_id == bindparam("user_id"),
        likes.c.post_id.in_(bindparam("post_ids", expanding=True)),
    ),
}


def liked_fields(post_ids: Sequence[int], viewer: User) -> list[dict[str, Any]]:
    """`liked` for each post, one query per page (a viewer provider)."""
    params = {"user_id": viewer.id, "post_ids": list(post_ids)}
    connection = reads.connection()
    liked = set(connection.execute(LIKED_AMONG[connection.dialect.name], params).scalars())
    return [{"liked": post_id in liked} for post_id in post_ids]


def list_likers(*, post_id: int, page: PageRequest) -> Page[User]:
    """Who liked a (visible) post, most recent like first."""
    stmt = select(Like).options(joinedload(Like.user)).where(Like.post_id == post_id)
    likes = paginate(db.session, stmt, page)
    return replace(likes, items=[like.user for like in likes.items])


def list_liked_posts(*, user_id: int, page: PageRequest) -> Page[Post]:
    """The published posts a user liked, most recently liked first."""
    user = get_user(user_id)
    stmt = (
        select(Like)
        .join(Like.post)
        .options(
            contains_eager(Like.post).joinedload(Post.author).load_only(User.id, User.username)
        )
        .where(Like.user_id == user.id, Post.status == PostStatus.PUBLISHED.value)
    )
    likes = paginate(db.session, stmt, page)
    return replace(likes, items=[like.post for like in likes.items])


def fix_counts_for_deleted_user(user: User) -> None:
    """Take `user`'s likes off the counts of other people's posts.

    A `user_deleting` receiver: one set-based UPDATE, before the cascade.
    """
    liked = select(Like.post_id).where(Like.user_id == user.id)
    db.session.execute(
        update(Post)
        .where(Post.author_id != user.id, Post.id.in_(liked))
        .values(updated_at=Post.updated_at, like_count=Post.like_count - 1)
        .execution_options(synchronize_session=False)
    )
