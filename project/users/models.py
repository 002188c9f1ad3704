"""The `users` table."""

from __future__ import annotations

from sqlalchemy import Index, String, false, func, text
from sqlalchemy.orm import Mapped, mapped_column

from project.common.models import TimestampMixin
from project.common.pagination import Keyset
from project.extensions import db


class User(TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str | None] = mapped_column(String(50))
    bio: Mapped[str | None] = mapped_column(String(500))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Published posts. Written only by the posts plugin
    # (`project.posts.services.adjust_post_count`, in the transaction of the
    # post write), so reads never COUNT(*).
    post_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    __table_args__ = (
        Index("uq_users_username_lower", func.lower(username), unique=True),
        Index("uq_users_email_lower", func.lower(email), unique=True),
        Index("ix_users_created_at_id", "created_at", "id"),
        # Author statistics: ?sort=-post_count.
        Index("ix_users_post_count_id", "post_count", "id"),
        # SQLite would otherwise hand a deleted user's id to the next one, and
        # /users/{id} links (and tokens' `sub`) would name someone else.
        {"sqlite_autoincrement": True},
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username!r}>"


# Users lists: newest first (the `ix_users_created_at_id` index).
USERS_NEWEST_FIRST = Keyset(User.created_at, User.id)
# Author statistics: most published posts first (the `ix_users_post_count_id` index).
USERS_MOST_POSTS = Keyset(User.post_count, User.id)
