"""The `comments` table."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from project.common.models import TimestampMixin, VersionMixin
from project.common.pagination import Keyset
from project.extensions import db
from project.posts.models import Post
from project.users.models import User


class Comment(TimestampMixin, VersionMixin, db.Model):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)

    author: Mapped[User] = relationship(lazy="raise_on_sql")
    post: Mapped[Post] = relationship(lazy="raise_on_sql")

    __table_args__ = (
        # A post's conversation, oldest first (also the post_id FK index).
        Index("ix_comments_post_id_created_at_id", "post_id", "created_at", "id"),
        Index("ix_comments_author_id", "author_id"),
        # Never reuse a deleted comment's id on SQLite (see User).
        {"sqlite_autoincrement": True},
    )

    def __repr__(self) -> str:
        return f"<Comment {self.id} on {self.post_id} by {self.author_id}>"


# A post's comments: oldest first, conversation order (ix_comments_post_id_created_at_id).
COMMENTS_OLDEST_FIRST = Keyset(Comment.created_at, Comment.id, ascending=True)
