"""The `follows` table: who follows whom, and since when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from project.common.models import UTCDateTime, utcnow
from project.common.pagination import Keyset
from project.extensions import db
from project.users.models import User


class Follow(db.Model):
    __tablename__ = "follows"

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    followee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    follower: Mapped[User] = relationship(foreign_keys=[follower_id], lazy="raise_on_sql")
    followee: Mapped[User] = relationship(foreign_keys=[followee_id], lazy="raise_on_sql")

    __table_args__ = (
        CheckConstraint("follower_id <> followee_id", name="not_self"),
        # One follow per pair (the target of INSERT ... ON CONFLICT DO NOTHING);
        # also the feed's "whom do I follow" (an index-only scan) and the
        # follower_id FK index.
        Index("uq_follows_follower_id_followee_id", "follower_id", "followee_id", unique=True),
        # Keyset pages of a user's followers and following, most recent first;
        # the first is also the followee_id FK index.
        Index("ix_follows_followee_id_created_at_id", "followee_id", "created_at", "id"),
        Index("ix_follows_follower_id_created_at_id", "follower_id", "created_at", "id"),
    )

    def __repr__(self) -> str:
        return f"<Follow {self.follower_id} -> {self.followee_id}>"


# Followers and following lists: the follow's own keys, most recent follow first.
FOLLOWS_NEWEST_FIRST = Keyset(Follow.created_at, Follow.id)
