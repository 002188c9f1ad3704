"""The `posts` table, and its full-text search index on each backend.

Search covers title, summary and body:
* PostgreSQL: a stored generated column, `posts.search_vector`
  (`to_tsvector('english', title || ' ' || summary || ' ' || body)`, kept by
  the server on every insert and update) with a GIN index,
  `ix_posts_search_vector`. Checking a post against a query reads its stored
  vector instead of parsing its text again. Neither is in the metadata (SQLite
  has no `tsvector`): the migration creates them, `create_all` through the
  `after_create` DDL below, and the drift check and autogenerate skip them
  (`UNMANAGED_COLUMNS`, `UNMANAGED_INDEXES`); the ORM never loads the column;
* SQLite: an FTS5 external-content table, `posts_search`, kept in step with
  `posts` by triggers. The migration creates it; `create_all` (tests) does
  through the `after_create` DDL below. It is not in the metadata, so the
  drift check and autogenerate skip it (`UNMANAGED_TABLES`). A later
  SQLite batch migration that recreates `posts` must recreate the triggers.
"""

from __future__ import annotations

import enum

from sqlalchemy import (
    DDL,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from project.common.models import (
    UNMANAGED_COLUMNS,
    UNMANAGED_INDEXES,
    UNMANAGED_TABLES,
    TimestampMixin,
    VersionMixin,
)
from project.common.pagination import Keyset
from project.extensions import db
from project.users.models import User


class PostStatus(str, enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"


STATUSES = tuple(status.value for status in PostStatus)


class Post(TimestampMixin, VersionMixin, db.Model):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(300), default="", server_default=text("''"))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=PostStatus.PUBLISHED.value)
    # Comments on this post. Written only by the comments plugin
    # (`project.comments.services`, in the transaction of the comment write).
    comment_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    # Likes of this post. Written only by the likes plugin
    # (`project.likes.services`, in the transaction of the like write).
    like_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    # The post's tag names, sorted and joined by commas ('' for none): what a
    # shown post's `tags` are read from, with no query of `post_tags` (which
    # stays the record of the `?tag=` filter and the tags' counts). Written
    # by `services` (`project.tags.services.joined`) in the transaction that
    # changes the post's tags, and by `flask seed` with the post itself.
    tag_names: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))

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


# PostgreSQL's search: the stored vector and its index (see the module docstring).
SEARCH_VECTOR = "search_vector"
SEARCH_VECTOR_INDEX = "ix_posts_search_vector"
POSTGRESQL_SEARCH_DDL = (
    f"ALTER TABLE posts ADD COLUMN {SEARCH_VECTOR} tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english', title || ' ' || summary || ' ' || body)) STORED",
    f"CREATE INDEX {SEARCH_VECTOR_INDEX} ON posts USING gin ({SEARCH_VECTOR})",
)
UNMANAGED_COLUMNS.add(("posts", SEARCH_VECTOR))
UNMANAGED_INDEXES.add(SEARCH_VECTOR_INDEX)
for statement in POSTGRESQL_SEARCH_DDL:
    event.listen(Post.__table__, "after_create", DDL(statement).execute_if(dialect="postgresql"))

SEARCH_TABLE = "posts_search"
SQLITE_SEARCH_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {SEARCH_TABLE} USING fts5("
    "title, summary, body, content='posts', content_rowid='id', tokenize='porter unicode61')",
    f"CREATE TRIGGER IF NOT EXISTS {SEARCH_TABLE}_insert AFTER INSERT ON posts BEGIN "
    f"INSERT INTO {SEARCH_TABLE}(rowid, title, summary, body) "
    "VALUES (new.id, new.title, new.summary, new.body); END",
    f"CREATE TRIGGER IF NOT EXISTS {SEARCH_TABLE}_delete AFTER DELETE ON posts BEGIN "
    f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, title, summary, body) "
    "VALUES ('delete', old.id, old.title, old.summary, old.body); END",
    f"CREATE TRIGGER IF NOT EXISTS {SEARCH_TABLE}_update AFTER UPDATE OF title, summary, body "
    f"ON posts BEGIN INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, title, summary, body) "
    "VALUES ('delete', old.id, old.title, old.summary, old.body); "
    f"INSERT INTO {SEARCH_TABLE}(rowid, title, summary, body) "
    "VALUES (new.id, new.title, new.summary, new.body); END",
)
UNMANAGED_TABLES.add(SEARCH_TABLE)
for statement in SQLITE_SEARCH_DDL:
    event.listen(Post.__table__, "after_create", DDL(statement).execute_if(dialect="sqlite"))
event.listen(
    Post.__table__,
    "before_drop",
    DDL(f"DROP TABLE IF EXISTS {SEARCH_TABLE}").execute_if(dialect="sqlite"),
)
