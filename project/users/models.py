"""The `users` table."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Index, String, false, text
from sqlalchemy.orm import Mapped, mapped_column, validates

from project.common.models import TimestampMixin, VersionMixin
from project.common.pagination import Keyset
from project.extensions import db
from project.users.identity import MAX_KEY_LENGTH, identity_key


class User(TimestampMixin, VersionMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254))
    # `identity_key` of username and email, kept in step by `_set_key`: what
    # uniqueness and every lookup compare (see project.users.identity).
    username_key: Mapped[str] = mapped_column(String(20))
    email_key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    display_name: Mapped[str | None] = mapped_column(String(50))
    bio: Mapped[str | None] = mapped_column(String(500))
    avatar_url: Mapped[str | None] = mapped_column(String(500))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Set by the auth plugin's verification mail; reset when the email changes.
    email_verified: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Published posts. Written only by the posts plugin
    # (`project.posts.services.adjust_post_count`, in the transaction of the
    # post write), so reads never COUNT(*).
    post_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    # Who follows this user, and whom they follow. Written only by the follows
    # plugin (`project.follows.services`, in the transaction of the follow or
    # unfollow, and of a user's deletion), so reads never COUNT(*).
    follower_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    following_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    __table_args__ = (
        CheckConstraint("post_count >= 0", name="post_count_nonnegative"),
        Index("uq_users_username_key", "username_key", unique=True),
        Index("uq_users_email_key", "email_key", unique=True),
        Index("ix_users_created_at_id", "created_at", "id"),
        CheckConstraint("follower_count >= 0", name="follower_count_nonnegative"),
        CheckConstraint("following_count >= 0", name="following_count_nonnegative"),
        # Author statistics: ?sort=-post_count.
        Index("ix_users_post_count_id", "post_count", "id"),
        # SQLite would otherwise hand a deleted user's id to the next one, and
        # /users/{id} links (and tokens' `sub`) would name someone else.
        {"sqlite_autoincrement": True},
    )

    @validates("username", "email")
    def _set_key(self, field: str, value: str) -> str:
        setattr(self, f"{field}_key", identity_key(value))
        return value

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username!r}>"


# Users lists: newest first (the `ix_users_created_at_id` index).
USERS_NEWEST_FIRST = Keyset(User.created_at, User.id)
# Author statistics: most published posts first (the `ix_users_post_count_id` index).
USERS_MOST_POSTS = Keyset(User.post_count, User.id)
