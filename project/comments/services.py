"""Comment rules: who may see, write, edit and delete comments; `posts.comment_count`.

The comments plugin is the only writer of `posts.comment_count`. Every change
is an atomic `UPDATE posts SET comment_count = comment_count + :delta` in the
transaction of the comment write, its delta the number of comment rows that
write really inserted or deleted. Writers lock the post first (a comment
belongs to its post; one lock order, post then comment, so a comment write
and the post's deletion cannot deadlock), so the second of two concurrent
deletes of a comment deletes nothing and answers 404. When a user is deleted,
`fix_counts_for_deleted_user` takes their comments on other people's posts
off those posts' counts (ON DELETE CASCADE removes the rows, not the counts).

Raises domain errors; the viewer and the actor are passed in by the route.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, select, update
from sqlalchemy.orm import joinedload

from project.comments.models import Comment
from project.common import counters
from project.common.exceptions import Forbidden, NotFound
from project.common.models import ensure_version
from project.common.pagination import Keyset, Page, PageRequest, paginate_bound
from project.extensions import db
from project.posts.models import Post, PostStatus
from project.posts.services import adjust_post_counter, visible_post
from project.users.models import User

# What `posts.comment_count` counts, correlated to posts (for `flask counters check`).
ACTUAL_COMMENT_COUNT = counters.Count(Comment.post_id)


def cache_keys(comment: Comment, change: str) -> tuple[str, ...]:
    """A written comment changes its post's cached answers (its comments are one)."""
    return (f"post:{comment.post_id}",)


@lru_cache(maxsize=8)
def comments_page(keyset: Keyset, *, after: bool) -> Select:
    """The statement of a page of a post's comments, built once per shape (first
    page or after a cursor), the post's id bound (see `posts.posts_page`)."""
    # A comment shows its author as `UserSummarySchema`: those columns only.
    author = joinedload(Comment.author).load_only(User.id, User.username)
    stmt = select(Comment).options(author).where(Comment.post_id == bindparam("post_id"))
    return keyset.page(stmt, after=after)


def list_comments(*, post_id: int, page: PageRequest) -> Page[Comment]:
    """A (visible) post's comments, oldest first."""
    stmt = comments_page(page.keyset, after=page.after is not None)
    return paginate_bound(db.session, stmt, page, {"post_id": post_id})


def visible_comment(comment_id: int, viewer: User | None, *, for_update: bool = False) -> Comment:
    """The comment, or NotFound when it does not exist or its post is someone else's draft."""
    stmt = (
        select(Comment)
        .options(joinedload(Comment.author), joinedload(Comment.post))
        .where(Comment.id == comment_id)
    )
    if for_update:
        stmt = stmt.with_for_update(of=Comment).execution_options(populate_existing=True)
    comment = db.session.scalar(stmt)
    if comment is None or (
        comment.post.status == PostStatus.DRAFT.value
        and (viewer is None or viewer.id != comment.post.author_id)
    ):
        raise NotFound(f"No comment with id {comment_id}.")
    return comment


def create_comment(*, post_id: int, author: User, data: dict[str, Any]) -> Comment:
    post = visible_post(post_id, author, for_update=True)
    comment = Comment(post=post, author=author, body=data["body"])
    db.session.add(comment)
    db.session.flush()
    adjust_post_counter(post.id, Post.comment_count, 1)
    db.session.commit()
    return comment


def update_comment(
    *,
    comment_id: int,
    actor: User,
    data: dict[str, Any],
    expected_version: Collection[int] | None = None,
) -> Comment:
    """Edit a comment: its author or an admin; `expected_version` from If-Match."""
    comment = visible_comment(comment_id, actor, for_update=True)
    if comment.author_id != actor.id and not actor.is_admin:
        raise Forbidden("Only the comment's author or an admin can edit it.")
    ensure_version(comment.version, expected_version, "comment")
    for field, value in data.items():
        setattr(comment, field, value)
    db.session.commit()
    return comment


def delete_comment(
    *, comment_id: int, actor: User, expected_version: Collection[int] | None = None
) -> None:
    """Delete a comment: its author, the post's author, or an admin.

    With `expected_version` (If-Match), the DELETE itself names the version,
    so an edit that commits while this waits for the post's lock wins: 412.
    """
    comment = visible_comment(comment_id, actor)
    if actor.id not in (comment.author_id, comment.post.author_id) and not actor.is_admin:
        raise Forbidden("Only the comment's author, the post's author or an admin can delete it.")
    ensure_version(comment.version, expected_version, "comment")
    post = visible_post(comment.post_id, actor, for_update=True)
    stmt = delete(Comment).where(Comment.id == comment.id)
    if expected_version is not None:
        stmt = stmt.where(Comment.version.in_(expected_version))
    deleted = db.session.execute(stmt).rowcount
    if not deleted:
        # A concurrent request deleted it (404) or edited it (412) while we waited.
        current = db.session.scalar(select(Comment.version).where(Comment.id == comment.id))
        if current is None:
            raise NotFound(f"No comment with id {comment_id}.")
        ensure_version(current, expected_version, "comment")
    adjust_post_counter(post.id, Post.comment_count, -deleted)
    db.session.commit()


def fix_counts_for_deleted_user(user: User) -> None:
    """Take `user`'s comments on other people's posts off those posts' counts.

    A `user_deleting` receiver: one set-based UPDATE, before the cascade.
    """
    theirs = select(func.count(Comment.id)).where(
        Comment.post_id == Post.id, Comment.author_id == user.id
    )
    db.session.execute(
        update(Post)
        .where(
            Post.author_id != user.id,
            Post.id.in_(select(Comment.post_id).where(Comment.author_id == user.id)),
        )
        .values(
            updated_at=Post.updated_at, comment_count=Post.comment_count - theirs.scalar_subquery()
        )
        .execution_options(synchronize_session=False)
    )
