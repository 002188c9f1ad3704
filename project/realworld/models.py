"""The `realworld_slugs` table: the one thing RealWorld needs that posts lack.

An article's `slug` is its URL name in the RealWorld API. It is made once,
from the title and the post id (`services.slug_for`), and never changes: an
edited title keeps its slug, so links stay valid. Owned by this plugin, keyed
by post id, and gone with its post (ON DELETE CASCADE).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from project.extensions import db

SLUG_MAX = 120


class ArticleSlug(db.Model):
    __tablename__ = "realworld_slugs"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    slug: Mapped[str] = mapped_column(String(SLUG_MAX))

    __table_args__ = (
        # GET /api/articles/{slug}: one index lookup.
        Index("uq_realworld_slugs_slug", "slug", unique=True),
    )

    def __repr__(self) -> str:
        return f"<ArticleSlug {self.post_id} {self.slug!r}>"
