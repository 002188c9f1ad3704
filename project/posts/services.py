"""Post rules: visibility, ownership, tags, search, and the counts posts drive.

Raises domain errors; the viewer and the actor are passed in by the route.

Counters written here, in the transaction of the post write: the author's
`users.post_count` (`adjust_post_count`) and, through
`project.tags.services.set_post_tags`, each tag's `tags.post_count`. An
existing post's row is locked (`lock_post`) before it changes, so its
published-ness read there is the one the counts move from, whatever
concurrent edits do; lock order is post, then tags, then the author's row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from project.common.exceptions import AuthenticationRequired, Forbidden, NotFound
from project.common.fields import MAX_ID
from project.common.pagination import Page, PageRequest, paginate
from project.extensions import db
from project.posts.models import Post, PostStatus
from project.posts.search import matches
from project.tags import services as tags
from project.users.models import User
from project.users.services import find_by_username, get_user

PUBLISHED = PostStatus.PUBLISHED.value
DRAFT = PostStatus.DRAFT.value


def adjust_post_count(author_id: int, delta: int) -> None:
    """Keep `users.post_count` (a users column this plugin owns the writes of).

    An atomic in-database increment, in the caller's transaction: concurrent
    writers cannot lose updates, and reads never COUNT(*).
    """
    if delta:
        db.session.execute(
            update(User).where(User.id == author_id).values(post_count=User.post_count + delta)
        )


def published_delta(before: str | None, after: str | None) -> int:
    return int(after == PUBLISHED) - int(before == PUBLISHED)


def visible_post(post_id: int, viewer: User | None) -> Post:
    """The post, or NotFound when it does not exist or is someone else's draft."""
    post = db.session.scalar(
        select(Post).options(joinedload(Post.author)).where(Post.id == post_id)
    )
    if post is None or (post.status == DRAFT and (viewer is None or viewer.id != post.author_id)):
        raise NotFound(f"No post with id {post_id}.")
    return post


def resolve_author(author: str) -> User:
    """`?author=` takes an id (all digits) or a username."""
    # isdigit() alone admits "²" and other digits int() rejects.
    if author.isascii() and author.isdigit() and 0 < int(author) <= MAX_ID:
        return get_user(int(author))
    user = find_by_username(author)
    if user is None:
        raise NotFound(f"No user named {author!r}.")
    return user


def list_posts(
    *,
    viewer: User | None,
    author: User | None,
    status: str,
    page: PageRequest,
    tag: str | None = None,
    q: str | None = None,
) -> Page[Post]:
    """Published posts (optionally one author's, one tag's, matching `q`), or your drafts."""
    if status == DRAFT:
        if viewer is None:
            raise AuthenticationRequired("Listing drafts needs a bearer token.")
        if author is not None and author.id != viewer.id:
            raise Forbidden("You can only list your own drafts.")
        author = viewer
    stmt = select(Post).options(joinedload(Post.author)).where(Post.status == status)
    if author is not None:
        stmt = stmt.where(Post.author_id == author.id)
    if tag is not None:
        stmt = stmt.where(Post.id.in_(tags.tagged(tag)))
    if q is not None:
        stmt = stmt.where(matches(q))
    return paginate(db.session, stmt, page)


def tags_of(posts: Sequence[Post], viewer: User | None) -> list[dict[str, Any]]:
    """Each post's `tags` (a viewer provider that ignores the viewer): one query per page."""
    names = tags.tag_names(post.id for post in posts)
    return [{"tags": names[post.id]} for post in posts]


def lock_post(post: Post) -> str:
    """Lock the post's row for this transaction; its status as stored now.

    NotFound if a concurrent request deleted it meanwhile.
    """
    status = db.session.scalar(select(Post.status).where(Post.id == post.id).with_for_update())
    if status is None:
        raise NotFound(f"No post with id {post.id}.")
    set_committed_value(post, "status", status)
    return status


def create_post(*, author: User, data: dict[str, Any]) -> Post:
    data = dict(data)
    names = data.pop("tags", [])
    post = Post(author=author, **data)
    db.session.add(post)
    db.session.flush()
    published = post.status == PUBLISHED
    tags.set_post_tags(post_id=post.id, names=names, was_published=False, is_published=published)
    adjust_post_count(author.id, published_delta(None, post.status))
    db.session.commit()
    return post


def ensure_can_edit(*, post: Post, actor: User) -> None:
    if post.author_id != actor.id and not actor.is_admin:
        raise Forbidden("Only the author or an admin can change this post.")


def update_post(*, post: Post, actor: User, data: dict[str, Any]) -> Post:
    ensure_can_edit(post=post, actor=actor)
    before = lock_post(post)
    data = dict(data)
    names = data.pop("tags", None)
    for field, value in data.items():
        setattr(post, field, value)
    tags.set_post_tags(
        post_id=post.id,
        names=names,
        was_published=before == PUBLISHED,
        is_published=post.status == PUBLISHED,
    )
    adjust_post_count(post.author_id, published_delta(before, post.status))
    db.session.commit()
    return post


def delete_post(*, post: Post, actor: User) -> None:
    ensure_can_edit(post=post, actor=actor)
    before = lock_post(post)
    # ON DELETE CASCADE would drop the post's tags without touching their counts.
    tags.set_post_tags(
        post_id=post.id, names=[], was_published=before == PUBLISHED, is_published=False
    )
    adjust_post_count(post.author_id, published_delta(before, None))
    db.session.delete(post)
    db.session.commit()


def release_authors_posts(user: User) -> None:
    """Before `user` is deleted (posts go by ON DELETE CASCADE): fix their tags' counts.

    A `user_deleting` receiver, in the delete's transaction. The author's posts
    are locked first (the same lock order as an edit: posts, then tags), so a
    concurrent edit of one of them cannot change its tags in between.
    """
    locked = select(Post.id).where(Post.author_id == user.id).with_for_update().subquery()
    db.session.execute(select(func.count()).select_from(locked))
    tags.release_posts(select(Post.id).where(Post.author_id == user.id, Post.status == PUBLISHED))
