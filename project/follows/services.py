"""Follow rules, the followers/following lists, the feed, and the follow counters.

Counters this plugin writes (columns of `users`, declared there):

* `users.follower_count` and `users.following_count`: changed in the
  transaction of the follow or unfollow by an atomic `UPDATE ... SET n = n + d`,
  where `d` is the number of rows the write itself affected (the INSERT ... ON
  CONFLICT DO NOTHING, or the DELETE): a repeated or concurrent follow inserts
  nothing and counts nothing. CHECK (n >= 0) guards both.
* When a user is deleted (`project.users.services.user_deleting`, same
  transaction), `forget_user` takes one from the counters of everyone they
  followed and everyone who followed them; ON DELETE CASCADE removes the rows.

Raises domain errors; the viewer is passed in by the route.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, literal, select, true, union, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from project.common import counters, invalidation
from project.common.exceptions import InvalidInput, NotFound
from project.common.models import utcnow
from project.common.pagination import Page, PageRequest, paginate
from project.common.sql import insert_ignore
from project.extensions import db
from project.follows.models import Follow
from project.posts.models import Post, PostStatus
from project.posts.services import AS_SHOWN
from project.users.models import User

CANNOT_FOLLOW_SELF = "You cannot follow yourself."
PUBLISHED = PostStatus.PUBLISHED.value

# What the two counters count, correlated to users (for `flask counters check`).
ACTUAL_FOLLOWER_COUNT = counters.Count(Follow.followee_id)
ACTUAL_FOLLOWING_COUNT = counters.Count(Follow.follower_id)


def adjust_follow_counts(*, follower_id: int, followee_id: int, delta: int) -> None:
    """Both counters of one follow, atomically, in the caller's transaction.

    One UPDATE per row, the lower id first: every follow and unfollow locks
    the two rows in the same order, so A following B while B follows A
    cannot deadlock. (One UPDATE of both rows locks them in the order its plan
    reads them: by id through the index, but in heap order when PostgreSQL
    scans a small table, where an updated row moves.) `updated_at` is kept:
    being followed is not a profile edit.
    """
    if not delta:
        return
    changes = {follower_id: User.following_count, followee_id: User.follower_count}
    for user_id in sorted(changes):
        counters.adjust(changes[user_id], user_id, delta)
    invalidation.changed(
        f"user:{follower_id}",
        f"user:{followee_id}",
        "users",
        invalidation.viewer_key(follower_id),  # their `is_followed`
    )


def ensure_not_self(*, follower: User, followee: User) -> None:
    if follower.id == followee.id:
        raise InvalidInput("user_id", CANNOT_FOLLOW_SELF, location="path")


def follow(*, follower: User, followee: User) -> None:
    """`follower` follows `followee`; following again changes nothing."""
    ensure_not_self(follower=follower, followee=followee)
    try:
        inserted = insert_ignore(
            Follow,
            {"follower_id": follower.id, "followee_id": followee.id, "created_at": utcnow()},
        )
        adjust_follow_counts(follower_id=follower.id, followee_id=followee.id, delta=inserted)
        db.session.commit()
    except IntegrityError:
        # Only a foreign key can fail here (the pair's duplicate is ignored):
        # one of the two was deleted meanwhile.
        db.session.rollback()
        raise NotFound(f"No user with id {followee.id}.") from None


def unfollow(*, follower: User, followee: User) -> None:
    """`follower` stops following `followee`; unfollowing again changes nothing."""
    ensure_not_self(follower=follower, followee=followee)
    deleted = db.session.execute(
        delete(Follow).where(Follow.follower_id == follower.id, Follow.followee_id == followee.id)
    ).rowcount
    adjust_follow_counts(follower_id=follower.id, followee_id=followee.id, delta=-deleted)
    db.session.commit()


def _users_page(stmt, page: PageRequest, person) -> Page[User]:
    """Page through follows (their keys order the list), answering with one side's users."""
    follows = paginate(db.session, stmt.options(joinedload(person)), page)
    return Page([getattr(row, person.key) for row in follows.items], follows.next_cursor)


def list_followers(*, user: User, page: PageRequest) -> Page[User]:
    """Who follows `user`, most recent follow first."""
    return _users_page(select(Follow).where(Follow.followee_id == user.id), page, Follow.follower)


def list_following(*, user: User, page: PageRequest) -> Page[User]:
    """Whom `user` follows, most recent follow first."""
    return _users_page(select(Follow).where(Follow.follower_id == user.id), page, Follow.followee)


def feed_authors(user_id: int):
    """The authors of `user_id`'s feed: whom they follow, and themself."""
    return union(
        select(Follow.followee_id).where(Follow.follower_id == user_id),
        select(literal(user_id)),
    )


def newest_per_author(authors, page: PageRequest):
    """The ids of a feed page, picked from each author's own newest posts (PostgreSQL).

    For each author a LATERAL subquery reads at most `limit + 1` keys after
    the cursor from `ix_posts_author_id_status_created_at_id` (an index-only
    scan); the newest `limit + 1` of those are the page. The work is bounded
    by followees x page size, however deep the page and however rarely the
    followees post.
    """
    authors = authors.subquery("authors")
    published = select(Post.id, Post.created_at).where(
        Post.author_id == authors.c.followee_id, Post.status == PUBLISHED
    )
    newest = (
        page.keyset.after(published.correlate(authors), page.after)
        .limit(page.limit + 1)
        .lateral("newest")
    )
    return (
        select(newest.c.id)
        .select_from(authors)
        .join(newest, true())
        .order_by(newest.c.created_at.desc(), newest.c.id.desc())
        .limit(page.limit + 1)
    )


def feed(*, viewer: User, page: PageRequest) -> Page[Post]:
    """Published posts by the people `viewer` follows and by `viewer`, newest first.

    Pulled at read time in one query: the followees come from
    `uq_follows_follower_id_followee_id`; on PostgreSQL each one's newest
    posts from the posts author index (`newest_per_author`). SQLite has no
    LATERAL and filters the newest-first scan by author instead. See the
    README and docs/feed.md.
    """
    authors = feed_authors(viewer.id)
    if db.session.get_bind().dialect.name == "postgresql":
        chosen = Post.id.in_(newest_per_author(authors, page))
    else:
        chosen = Post.author_id.in_(authors)
    stmt = select(Post).options(*AS_SHOWN).where(Post.status == PUBLISHED, chosen)
    return paginate(db.session, stmt, page)


def followed_fields(user_ids: Sequence[int], viewer: User) -> list[dict[str, Any]]:
    """`is_followed` for an authenticated viewer (a viewer provider): one query per page."""
    others = set(user_ids) - {viewer.id}
    followed = (
        set(
            db.session.scalars(
                select(Follow.followee_id).where(
                    Follow.follower_id == viewer.id, Follow.followee_id.in_(others)
                )
            )
        )
        if others
        else set()
    )
    return [{"is_followed": user_id in followed} for user_id in user_ids]


def forget_user(user: User, **extra: Any) -> None:
    """Before `user` is deleted: fix the counters their follows (both ways) counted.

    Set-based, whatever the number of follows. The user's row is locked
    first, so a follow racing the deletion waits for it and then fails its
    foreign key (a 404) instead of counting a row the cascade removes.
    """
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    followees = select(Follow.followee_id).where(Follow.follower_id == user.id)
    followers = select(Follow.follower_id).where(Follow.followee_id == user.id)
    db.session.execute(
        update(User)
        .where(User.id.in_(followees))
        .values(follower_count=User.follower_count - 1, updated_at=User.updated_at)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(User)
        .where(User.id.in_(followers))
        .values(following_count=User.following_count - 1, updated_at=User.updated_at)
        .execution_options(synchronize_session=False)
    )
