"""Posts as they are shown: the hot reads, run in SQLAlchemy Core without ORM instances.

A post by id and a page of posts only show what they load, and change
nothing. Loading them as `Post` instances (and each author as a `User`)
costs the ORM's per-execution set-up and an identity-mapped, instrumented
object per row: about half the Python time of a page of 20 posts and a third
of a post by id's query. Here the same SELECT (`services.AS_SHOWN`'s columns:
the posts row, with its tag names, and the author's username) runs in Core, and each
row becomes a `ShownPost` (`project.common.reads`), which `PostSchema` dumps
like a `Post` and which gets the fields the plugins provide for a `Post` (its
tags, the viewer's `liked`). A new post is written by a Core INSERT that
returns it as a `ShownPost` too (`insert_post`); edits and deletes, and the
reads that lead to them, load `Post` instances.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, insert, select

from project.common.pagination import Keyset, Page, PageRequest, page_of, page_parameters
from project.common.reads import Shown
from project.extensions import db
from project.posts.models import POSTS_NEWEST_FIRST, Post
from project.tags import services as tags
from project.users.models import User

posts = Post.__table__
users = User.__table__

AUTHOR_USERNAME = "author_username"
# The posts row (its `tag_names` too) and the author's username, in one SELECT.
SHOWN = select(*posts.c, users.c.username.label(AUTHOR_USERNAME)).select_from(
    posts.join(users, users.c.id == posts.c.author_id)
)
# `POSTS_NEWEST_FIRST` over the table's own columns: an ORM attribute in a
# Core statement would send it through the ORM's compilation again.
NEWEST_FIRST = Keyset(
    *(posts.c[column.key] for column in POSTS_NEWEST_FIRST.columns),
    ascending=POSTS_NEWEST_FIRST.ascending,
)


class ShownAuthor:
    """A post's author as `UserSummarySchema` shows it."""

    __slots__ = ("id", "username")

    def __init__(self, author_id: int, username: str) -> None:
        self.id = author_id
        self.username = username


class ShownPost(Shown):
    """A post as `PostSchema` shows it: the row's columns as attributes (its
    `tag_names`, what `services.tags_of` reads) and its `author`."""

    viewed_as = Post

    def __init__(self, fields: Sequence[str], row: Sequence[Any]) -> None:
        super().__init__(fields, row)
        self.author = ShownAuthor(self.author_id, self.__dict__.pop(AUTHOR_USERNAME))


# A new post's INSERT, returning the row it wrote (server defaults: `version`).
INSERT_RETURNING = insert(posts).returning(*posts.c)


def insert_post(values: Mapping[str, Any]) -> ShownPost:
    """INSERT a post in the session's transaction and return it as shown, but
    for its author's username, which the caller sets (`services.create_post`
    reads it with the author's post count).

    A Core INSERT ... RETURNING instead of an ORM `Post` and a flush: the
    unit of work (its dependency sort, a delete pass, the identity map) was
    a quarter of the CPU of creating a post that nothing else in the request
    loads again. The caller names the cached answers it changes (the flush
    did, for a `Post`).
    """
    result = db.session.connection().execute(INSERT_RETURNING, values)
    return ShownPost((*result.keys(), AUTHOR_USERNAME), (*result.one(), None))


@cache
def by_id() -> Select:
    """Built once: a statement object keeps its cache key (see `services.post_by_id`)."""
    return SHOWN.where(posts.c.id == bindparam("post_id"))


def shown_post(post_id: int) -> ShownPost | None:
    """The post `post_id` as shown, drafts included (None: no such post)."""
    return ShownPost.first(by_id(), {"post_id": post_id})


@lru_cache(maxsize=16)
def page_statement(*, by_author: bool, by_tag: bool, after: bool) -> Select:
    """A page of posts with the bound `status`, by `author_id`, tagged `tag_id`;
    built once per shape (see `project.common.pagination.keyset`)."""
    stmt = SHOWN.where(posts.c.status == bindparam("status"))
    if by_author:
        stmt = stmt.where(posts.c.author_id == bindparam("author_id"))
    if by_tag:
        stmt = stmt.where(posts.c.id.in_(tags.tagged()))
    return NEWEST_FIRST.page(stmt, after=after)


def shown_page(
    page: PageRequest, *, status: str, author_id: int | None, tag_id: int | None
) -> Page[ShownPost]:
    """One page of posts, newest first (`page.keyset`: `POSTS_NEWEST_FIRST`)."""
    stmt = page_statement(
        by_author=author_id is not None, by_tag=tag_id is not None, after=page.after is not None
    )
    parameters = {"status": status, "author_id": author_id, "tag_id": tag_id}
    return page_of(ShownPost.all(stmt, page_parameters(page, parameters)), page)
