"""The `likes` table: who likes which post, and since when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from project.common.models import UTCDateTime, utcnow
from project.common.pagination import Keyset
from project.extensions import db
from project.posts.models import Post
from project.users.models import User


class Like(db.Model):
    __tablename__ = "likes"

    # The primary key is the rule: one like per user and post (also the user_id FK index).
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    user: Mapped[User] = relationship(lazy="raise_on_sql")
    post: Mapped[Post] = relationship(lazy="raise_on_sql")

    __table_args__ = (
        # Who liked a post, most recent first (also the post_id FK index).
        Index("ix_likes_post_id_created_at_user_id", "post_id", "created_at", "user_id"),
        # What a user liked, most recently liked first.
        Index("ix_likes_user_id_created_at_post_id", "user_id", "created_at", "post_id"),
    )

    def __repr__(self) -> str:
        return f"<Like {self.user_id} -> {self.post_id}>"


# Keysets on the like row, most recent first. Each list is one post's (or one
# user's) likes, where the other half of the primary key is unique.
LIKERS_NEWEST_FIRST = Keyset(Like.created_at, Like.user_id)
LIKED_POSTS_NEWEST_FIRST = Keyset(Like.created_at, Like.post_id)
