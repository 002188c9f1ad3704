"""The `tags` table and the `post_tags` association.

`post_tags.post_id` names `posts.id` by table name only: this plugin never
imports the posts plugin (posts builds on tags, not the reverse).
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, text
from sqlalchemy.orm import Mapped, mapped_column

from project.common.pagination import Keyset
from project.extensions import db

NAME_MAX = 30


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)
    # Published posts carrying this tag. Written only by `project.tags.services`
    # (called by the posts plugin in the transaction of the post write, and by
    # its user-deleting hook), as atomic increments; reads never COUNT(*).
    post_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    __table_args__ = (
        CheckConstraint("post_count >= 0", name="post_count_nonnegative"),
        # GET /tags: most used first.
        Index("ix_tags_post_count_id", "post_count", "id"),
        {"sqlite_autoincrement": True},
    )

    def __repr__(self) -> str:
        return f"<Tag {self.name!r} x{self.post_count}>"


post_tags = Table(
    "post_tags",
    db.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    # `?tag=`: the posts of one tag (also the tag_id FK index; the primary key
    # leads with post_id and serves the post's own tags).
    Index("ix_post_tags_tag_id_post_id", "tag_id", "post_id"),
)

# Tag lists: most used first, newest tag first among equals.
TAGS_MOST_USED = Keyset(Tag.post_count, Tag.id)
