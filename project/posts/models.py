"""The `posts` table."""

from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from project.common.models import TimestampMixin
from project.common.pagination import Keyset
from project.extensions import db
from project.users.models import User


class PostStatus(str, enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"


STATUSES = tuple(status.value for status in PostStatus)


class Post(TimestampMixin, db.Model):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=PostStatus.PUBLISHED.value)
    # Comments on this post. Written only by the comments plugin
    # (`project.comments.services`, in the transaction of the comment write).
    comment_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    # Likes of this post. Written only by the likes plugin
    # (`project.likes.services`, in the transaction of the like write).
    like_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    author: Mapped[User] = relationship(lazy="raise_on_sql")

    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        CheckConstraint("comment_count >= 0", name="comment_count_nonnegative"),
        CheckConstraint("like_count >= 0", name="like_count_nonnegative"),
        # Keyset pages: the public feed, and one author's posts (also the FK index).
        Index("ix_posts_status_created_at_id", "status", "created_at", "id"),
        Index("ix_posts_author_id_status_created_at_id", "author_id", "status", "created_at", "id"),
        # Never reuse a deleted post's id on SQLite (see User).
        {"sqlite_autoincrement": True},
    )

    def __repr__(self) -> str:
        return f"<Post {self.id} by {self.author_id}>"


# Post lists: newest first (ix_posts_status_created_at_id and the author index).
POSTS_NEWEST_FIRST = Keyset(Post.created_at, Post.id)
