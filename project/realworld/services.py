"""The RealWorld adapter's rules: slugs, lookups by name, and the offset lists.

Every write goes through the plugin that owns it (users, auth, posts, tags,
comments, likes, follows), so ownership, counters and cascades hold once;
this module adds what RealWorld has and Postwell does not:

* the article slug (`realworld_slugs`), made in the transaction of the post's
  creation (a `post_created` receiver) or, for a post written while this
  plugin was off, the first time the RealWorld API shows it (`slugs_of`);
* lookups by slug and by username, as RealWorld's 404s name the resource;
* offset pages with a total (`articlesCount`), which is RealWorld's choice:
  every query is the indexed filter of `/api/v1`'s keyset lists, with OFFSET
  instead of a cursor and one COUNT over the same filter.

Articles are published posts: a draft does not exist here, even for its author.
Raises domain errors; the viewer is passed in by the route.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import joinedload

from project.comments.models import Comment
from project.common.exceptions import Forbidden, InvalidInput, NotFound
from project.common.fields import MAX_ID
from project.common.sql import insert_ignore
from project.common.viewer import view_items
from project.extensions import db
from project.follows.models import Follow
from project.likes.models import Like
from project.posts.models import Post, PostStatus
from project.posts.reads import ShownPost
from project.realworld.models import SLUG_MAX, ArticleSlug
from project.tags import services as tags
from project.tags.models import Tag
from project.users.models import User
from project.users.services import find_by_username

PUBLISHED = PostStatus.PUBLISHED.value
NEWEST_FIRST = (Post.created_at.desc(), Post.id.desc())
# Room for "-<post id>" after the words of the title.
SLUG_WORDS_MAX = SLUG_MAX - 11


class Unknown(NotFound):
    """No such `resource` ("article", "profile", "comment") for RealWorld's 404 body."""

    def __init__(self, resource: str) -> None:
        super().__init__(f"No such {resource}.")
        self.resource = resource


class Refused(Forbidden):
    """The caller may not change this `resource`, for RealWorld's 403 body."""

    def __init__(self, resource: str, detail: str) -> None:
        super().__init__(detail)
        self.resource = resource


@contextmanager
def about(resource: str) -> Iterator[None]:
    """Name `resource` in the NotFound, Forbidden and InvalidInput raised by other plugins."""
    try:
        yield
    except (Unknown, Refused):
        raise
    except NotFound:
        raise Unknown(resource) from None
    except Forbidden as error:
        raise Refused(resource, error.detail) from None
    except InvalidInput as error:
        messages = [
            message for fields in error.errors.values() for ms in fields.values() for message in ms
        ]
        raise InvalidInput(resource, " ".join(messages)) from None


# --- slugs ---------------------------------------------------------------------


def slug_for(title: str, post_id: int) -> str:
    """`How to Train Your Dragon` (post 7) -> `how-to-train-your-dragon-7`.

    The id makes it unique by construction: two slugs with the same last
    segment belong to the same post. Accents are folded to ASCII; a title
    with no ASCII letters or digits gives `article-7`.
    """
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    words = words[:SLUG_WORDS_MAX].rstrip("-") or "article"
    return f"{words}-{post_id}"


def assign_slug(post: ShownPost, **extra: Any) -> None:
    """A `post_created` receiver: the new post's slug, in the same transaction."""
    insert_ignore(ArticleSlug, {"post_id": post.id, "slug": slug_for(post.title, post.id)})


def slugs_of(posts: Sequence[Post]) -> dict[int, str]:
    """Each post's slug, one query; posts written while the plugin was off get theirs now."""
    ids = [post.id for post in posts]
    if not ids:
        return {}
    stmt = select(ArticleSlug.post_id, ArticleSlug.slug).where(ArticleSlug.post_id.in_(ids))
    slugs = dict(db.session.execute(stmt).all())
    missing = [post for post in posts if post.id not in slugs]
    if missing:
        insert_ignore(
            ArticleSlug,
            [{"post_id": post.id, "slug": slug_for(post.title, post.id)} for post in missing],
        )
        db.session.commit()
        slugs.update(db.session.execute(stmt).all())
    return slugs


# --- lookups -------------------------------------------------------------------


def article_by_slug(slug: str) -> Post:
    """The published post with this slug (Unknown("article") otherwise)."""
    stmt = (
        select(Post)
        .join(ArticleSlug, ArticleSlug.post_id == Post.id)
        .options(joinedload(Post.author))
        .where(ArticleSlug.slug == slug, Post.status == PUBLISHED)
    )
    post = db.session.scalar(stmt) if len(slug) <= SLUG_MAX else None
    if post is None:
        raise Unknown("article")
    return post


def profile_by_username(username: str) -> User:
    user = find_by_username(username) if len(username) <= 20 else None
    if user is None:
        raise Unknown("profile")
    return user


def comment_on(post: Post, comment_id: int) -> Comment:
    """The comment `comment_id` if it belongs to `post` (Unknown("comment") otherwise)."""
    comment = None
    if 0 < comment_id <= MAX_ID:  # the path converter turns anything else into 0
        comment = db.session.scalar(
            select(Comment).where(Comment.id == comment_id, Comment.post_id == post.id)
        )
    if comment is None:
        raise Unknown("comment")
    return comment


def comments_of(post: Post) -> list[Comment]:
    """All of an article's comments, oldest first (RealWorld does not page them)."""
    stmt = (
        select(Comment)
        .options(joinedload(Comment.author))
        .where(Comment.post_id == post.id)
        .order_by(Comment.created_at, Comment.id)
    )
    return list(db.session.scalars(stmt))


# --- offset lists with a total -------------------------------------------------


@dataclass(frozen=True)
class Slice:
    """One offset page of articles and the total the filter matches."""

    posts: list[Post]
    total: int


def _slice(conditions: list[ColumnElement], *, limit: int, offset: int) -> Slice:
    """Newest first, from the indexes the /api/v1 lists use.

    The count reads the same filter, no more: an index-only range of
    `ix_posts_status_created_at_id` (all articles), of the author index
    (`?author=`), or the filter's id list (`?tag=`, `?favorited=`, the feed).
    """
    total = db.session.scalar(select(func.count()).select_from(Post).where(*conditions))
    if not total or offset >= total:
        return Slice([], total or 0)
    stmt = (
        select(Post)
        .options(joinedload(Post.author))
        .where(*conditions)
        .order_by(*NEWEST_FIRST)
        .offset(offset)
        .limit(limit)
    )
    return Slice(list(db.session.scalars(stmt)), total)


def list_articles(
    *,
    tag: str | None,
    author: str | None,
    favorited: str | None,
    limit: int,
    offset: int,
) -> Slice:
    """Published posts, newest first, by tag, author and who favourited them.

    A filter naming no one (an unknown author) matches nothing: an empty page.
    """
    conditions: list[ColumnElement] = [Post.status == PUBLISHED]
    if author is not None:
        writer = find_by_username(author)
        if writer is None:
            return Slice([], 0)
        conditions.append(Post.author_id == writer.id)
    if favorited is not None:
        fan = find_by_username(favorited)
        if fan is None:
            return Slice([], 0)
        conditions.append(Post.id.in_(select(Like.post_id).where(Like.user_id == fan.id)))
    if tag is not None:
        tag_id = tags.tag_id(tag.strip().lower())
        if tag_id is None:
            return Slice([], 0)
        conditions.append(Post.id.in_(tags.tagged(tag_id)))
    return _slice(conditions, limit=limit, offset=offset)


def feed(*, viewer: User, limit: int, offset: int) -> Slice:
    """Published posts of the users `viewer` follows, newest first.

    RealWorld's feed is other people's articles: unlike `/api/v1/feed` it
    leaves out the viewer's own.
    """
    followees = select(Follow.followee_id).where(Follow.follower_id == viewer.id)
    conditions = [Post.status == PUBLISHED, Post.author_id.in_(followees)]
    return _slice(conditions, limit=limit, offset=offset)


# --- what a viewer sees --------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    user: User
    following: bool

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def bio(self) -> str | None:
        return self.user.bio or None

    @property
    def image(self) -> str | None:
        return self.user.avatar_url or None


@dataclass(frozen=True)
class Article:
    post: Post
    slug: str
    tag_list: list[str]
    favorited: bool
    author: Profile

    def __getattr__(self, name: str) -> Any:
        return getattr(self.post, name)


def profiles(users: Sequence[User], viewer: User | None) -> list[Profile]:
    """Users as RealWorld profiles; `following` from the follows plugin's provider."""
    seen = view_items(User, list(users), viewer)
    return [Profile(item.item, bool(item.extras.get("is_followed"))) for item in seen]


def articles(posts: Sequence[Post], viewer: User | None) -> list[Article]:
    """Posts as RealWorld articles, a few queries per page whatever its size."""
    posts = list(posts)
    slugs = slugs_of(posts)
    seen = view_items(Post, posts, viewer)  # `tags` (posts plugin), `liked` (likes plugin)
    authors = {
        profile.user.id: profile
        for profile in profiles(
            list({post.author_id: post.author for post in posts}.values()), viewer
        )
    }
    return [
        Article(
            post=item.item,
            slug=slugs[item.item.id],
            tag_list=item.extras.get("tags", []),
            favorited=bool(item.extras.get("liked")),
            author=authors[item.item.author_id],
        )
        for item in seen
    ]


@dataclass(frozen=True)
class Remark:
    """A comment as RealWorld shows it: its author as a profile."""

    comment: Comment
    author: Profile

    def __getattr__(self, name: str) -> Any:
        return getattr(self.comment, name)


def remarks(found: Sequence[Comment], viewer: User | None) -> list[Remark]:
    writers = {comment.author_id: comment.author for comment in found}
    by_id = {profile.user.id: profile for profile in profiles(list(writers.values()), viewer)}
    return [Remark(comment, by_id[comment.author_id]) for comment in found]


def tag_names() -> list[str]:
    """The tags of published posts, most used first (`ix_tags_post_count_id`)."""
    stmt = select(Tag.name).where(Tag.post_count > 0).order_by(Tag.post_count.desc(), Tag.id.desc())
    return list(db.session.scalars(stmt))
