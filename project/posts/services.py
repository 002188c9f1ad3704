"""Post rules: visibility, ownership, tags, search, and the counts posts drive.

Raises domain errors; the viewer and the actor are passed in by the route.

Counters written here, in the transaction of the post write: the author's
`users.post_count` (`adjust_post_count`) and, through
`project.tags.services.set_post_tags`, each tag's `tags.post_count`.

Writes to a post are serialised: `update_post` and `delete_post` re-read the
post under a row lock (`SELECT ... FOR UPDATE`; SQLite serialises writers
anyway) before deciding, so of two concurrent writers the second sees what
the first did (a deleted post is a 404, as for a sequential client) and every
counter delta is computed from the row as it really was. Lock order: the
post, then its tags, then the author's row.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import cache
from typing import Any, TypeVar

from blinker import Namespace
from sqlalchemy import Row, Select, bindparam, func, select
from sqlalchemy.orm import InstrumentedAttribute, joinedload

from project.common import counters, invalidation
from project.common.exceptions import AuthenticationRequired, Forbidden, NotFound
from project.common.fields import MAX_ID
from project.common.models import ensure_version
from project.common.pagination import Page, PageRequest
from project.extensions import db
from project.posts import reads
from project.posts.models import Post, PostStatus
from project.posts.reads import ShownPost
from project.posts.search import search_page
from project.tags import services as tags
from project.tags.models import post_tags
from project.users.models import User
from project.users.services import find_by_username, get_user

PUBLISHED = PostStatus.PUBLISHED.value
DRAFT = PostStatus.DRAFT.value

# A post as loaded: a `Post`, or a `ShownPost` (`project.posts.reads`).
P = TypeVar("P", Post, ShownPost)

signals = Namespace()
# Sent when a new post has its id, before the commit (one transaction), with
# the post as shown (a `ShownPost`: its columns, no ORM instance; its
# author's username is read last): plugins that keep rows per post (the
# RealWorld slug) add theirs here.
post_created = signals.signal("post-created")


# What `users.post_count` counts, correlated to users (for `flask counters check`).
ACTUAL_POST_COUNT = counters.Count(Post.author_id, (Post.status == PUBLISHED,))

# What `tags.post_count` counts: the published posts carrying each tag. The
# posts plugin registers it (tags knows posts by id only, not their status).
ACTUAL_TAG_POST_COUNT = counters.Count(
    post_tags.c.tag_id,
    (Post.status == PUBLISHED,),
    post_tags.join(Post, Post.id == post_tags.c.post_id),
)


# What `PostSchema` shows beyond the posts row (whose `tag_names` give the
# tags), loaded in the same SELECT: the author as `UserSummarySchema` (two
# columns of `users`, not the whole row with its email and password hash).
AS_SHOWN = (joinedload(Post.author).load_only(User.id, User.username),)


def adjust_post_count(
    author_id: int, delta: int, *, returning: tuple[InstrumentedAttribute[Any], ...] = ()
) -> Row | None:
    """Keep `users.post_count` (a users column this plugin owns the writes of);
    returns what `counters.adjust` does."""
    if not delta:
        return None
    invalidation.changed(f"user:{author_id}", "users")
    return counters.adjust(User.post_count, author_id, delta, returning=returning)


def adjust_post_counter(post_id: int, counter: InstrumentedAttribute[int], delta: int) -> None:
    """Move one of the post's counters (`like_count`, `comment_count`, kept by the
    plugins built on posts) by `delta`, in the caller's transaction."""
    if delta:
        counters.adjust(counter, post_id, delta)
        invalidation.changed(f"post:{post_id}", "posts")


def cache_keys(post: Post | ShownPost, change: str) -> tuple[str, ...]:
    """The cached answers a written post changes: itself, and every list of posts or tags."""
    return (f"post:{post.id}", "posts")


def is_public(post: Post) -> bool:
    """Shown alike to everyone who may see it (a draft only to its author)."""
    return post.status == PUBLISHED


def published_delta(before: str | None, after: str | None) -> int:
    return int(after == PUBLISHED) - int(before == PUBLISHED)


@cache
def post_by_id(*, for_update: bool) -> Select:
    """The statement of `visible_post`, built once per variant, the id bound per call.

    SQLAlchemy keeps a statement's cache key on the statement object: reused,
    it is not rebuilt by walking the options on every request.
    """
    stmt = select(Post).options(joinedload(Post.author)).where(Post.id == bindparam("post_id"))
    if for_update:
        stmt = stmt.with_for_update(of=Post).execution_options(populate_existing=True)
    return stmt


def visible_post(post_id: int, viewer: User | None, *, for_update: bool = False) -> Post:
    """The post, or NotFound when it does not exist or is someone else's draft.

    `for_update` locks the posts row until the transaction ends and reloads
    it as it is once the lock is granted (gone, if a concurrent writer
    deleted it): for services that change the post or the rows it owns.
    """
    post = db.session.scalar(post_by_id(for_update=for_update), {"post_id": post_id})
    return ensure_visible(post, post_id, viewer)


def shown_post(post_id: int, viewer: User | None) -> ShownPost:
    """`visible_post` for a read that only shows the post (`project.posts.reads`)."""
    return ensure_visible(reads.shown_post(post_id), post_id, viewer)


def ensure_visible(post: P | None, post_id: int, viewer: User | None) -> P:
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


def posts_statement(status: str, author_id: int | None, tagged: Select | None) -> Select:
    """Posts with `status`, by `author_id` and among `tagged` when given (a search's)."""
    stmt = select(Post).options(*AS_SHOWN).where(Post.status == status)
    if author_id is not None:
        stmt = stmt.where(Post.author_id == author_id)
    if tagged is not None:
        stmt = stmt.where(Post.id.in_(tagged))
    return stmt


def list_posts(
    *,
    viewer: User | None,
    author: User | None,
    status: str,
    page: PageRequest,
    tag: str | None = None,
    q: str | None = None,
) -> Page[Post | ShownPost]:
    """Published posts (optionally one author's, one tag's, matching `q`), or your drafts."""
    if status == DRAFT:
        if viewer is None:
            raise AuthenticationRequired("Listing drafts needs a bearer token.")
        if author is not None and author.id != viewer.id:
            raise Forbidden("You can only list your own drafts.")
        author = viewer
    author_id = author.id if author is not None else None
    tag_id = None
    if tag is not None:
        tag_id = tags.tag_id(tag)
        if tag_id is None:
            return Page([], None)
    if q is not None:  # a search's SQL depends on the words asked for: built per request
        tagged = tags.tagged(tag_id) if tag_id is not None else None
        return search_page(db.session, posts_statement(status, author_id, tagged), q, page)
    return reads.shown_page(page, status=status, author_id=author_id, tag_id=tag_id)


def tags_of(posts: Sequence[Post | ShownPost]) -> list[dict[str, Any]]:
    """Each post's `tags`, from its own row (a shared provider: the same for every viewer)."""
    return [{"tags": tags.split_names(post.tag_names)} for post in posts]


UNVERIFIED_EMAIL = "Confirm your email address (see the mail we sent) before posting."


def create_post(
    *, author: User, data: dict[str, Any], require_verified_email: bool = False
) -> ShownPost:
    """The new post, as shown (`reads.insert_post`); `require_verified_email`: the
    REQUIRE_VERIFIED_EMAIL_TO_POST switch, passed in."""
    if require_verified_email and not author.email_verified:
        raise Forbidden(UNVERIFIED_EMAIL)
    data = dict(data)
    names = data.pop("tags", [])
    post = reads.insert_post({**data, "author_id": author.id, "tag_names": tags.joined(names)})
    invalidation.changed(*cache_keys(post, "new"))
    published = post.status == PUBLISHED
    tags.tag_new_post(post_id=post.id, names=names, is_published=published)
    post_created.send(post)
    # Last: it locks the author's row until the commit, and an author's
    # posts are created one at a time behind that lock. It returns the
    # username the post is shown with: the author (the token's user) needs
    # no query of their own; a draft's reads it.
    counted = adjust_post_count(
        author.id, published_delta(None, post.status), returning=(User.username,)
    )
    post.author.username = author.username if counted is None else counted.username
    db.session.commit()
    return post


def ensure_can_edit(*, post: Post, actor: User) -> None:
    if post.author_id != actor.id and not actor.is_admin:
        raise Forbidden("Only the author or an admin can change this post.")


def update_post(
    *,
    post: Post,
    actor: User,
    data: dict[str, Any],
    expected_version: Collection[int] | None = None,
) -> Post:
    """Edit a post; `expected_version`: the versions the client read (If-Match)."""
    post = visible_post(post.id, actor, for_update=True)
    ensure_can_edit(post=post, actor=actor)
    ensure_version(post.version, expected_version, "post")
    before = post.status
    data = dict(data)
    names = data.pop("tags", None)
    for field, value in data.items():
        setattr(post, field, value)
    if names is not None:
        # A change of tags alone is a change of the row too: a new version
        # (ETag), and the flush invalidates the cached answers that show it.
        post.tag_names = tags.joined(names)
    tags.set_post_tags(
        post_id=post.id,
        names=names,
        was_published=before == PUBLISHED,
        is_published=post.status == PUBLISHED,
    )
    adjust_post_count(post.author_id, published_delta(before, post.status))
    db.session.commit()
    return post


def delete_post(
    *, post: Post, actor: User, expected_version: Collection[int] | None = None
) -> None:
    post = visible_post(post.id, actor, for_update=True)
    ensure_can_edit(post=post, actor=actor)
    ensure_version(post.version, expected_version, "post")
    before = post.status
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
