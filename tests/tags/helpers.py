"""Tags-only readers: the stored tags of a post, and counts against COUNT(*)."""

from __future__ import annotations

import sqlalchemy as sa

from project.posts.models import Post
from project.tags.models import Tag, post_tags
from project.tags.services import joined
from tests.kit import rows, scalar

TAGS = "/api/v1/tags"
POSTS = "/api/v1/posts"


def stored_tags(session, post_id: int) -> list[str]:
    """The post's tag names as stored now, sorted: its `post_tags` links, which
    the post's own `tag_names` (what it is shown with) must repeat while it exists."""
    stmt = (
        sa.select(Tag.name)
        .join(post_tags, post_tags.c.tag_id == Tag.id)
        .where(post_tags.c.post_id == post_id)
        .order_by(Tag.name)
    )
    linked = [row["name"] for row in rows(session, stmt)]
    in_row = scalar(session, sa.select(Post.tag_names).where(Post.id == post_id))
    if in_row is not None:
        assert in_row == joined(linked), (in_row, linked)
    return linked


def tag_counts(session) -> dict[str, int]:
    """Every tag's stored `post_count`, by name."""
    return {
        row["name"]: row["post_count"] for row in rows(session, sa.select(Tag.name, Tag.post_count))
    }


def true_tag_counts(session) -> dict[str, int]:
    """What each `post_count` should be: published posts per tag, by COUNT(*)."""
    published = (
        sa.select(sa.func.count())
        .select_from(post_tags.join(Post, Post.id == post_tags.c.post_id))
        .where(post_tags.c.tag_id == Tag.id, Post.status == "published")
        .scalar_subquery()
    )
    return {
        row["name"]: row["n"] for row in rows(session, sa.select(Tag.name, published.label("n")))
    }


def assert_counts_true(session) -> dict[str, int]:
    counts = tag_counts(session)
    assert counts == true_tag_counts(session)
    return counts


def tag_total(session) -> int:
    return scalar(session, sa.select(sa.func.count()).select_from(Tag))
