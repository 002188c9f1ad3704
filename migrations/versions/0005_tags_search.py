"""tags, post summaries, full-text search, author statistics index

* posts.summary (empty for existing posts);
* tags (name unique, post_count >= 0) and post_tags (ON DELETE CASCADE both
  ways; (tag_id, post_id) index for `?tag=`);
* search: PostgreSQL, a GIN index on to_tsvector('english', title || ' ' ||
  summary || ' ' || body) (the expression `project.posts.models.search_document`
  spells; queries must repeat it); SQLite, the FTS5 external-content table
  posts_search with its three triggers, filled from the existing posts;
* users(post_count, id) for `GET /users?sort=-post_count`.

The SQLite DDL is copied here, not imported: a revision is a frozen snapshot.
A later SQLite batch migration that recreates `posts` must recreate the triggers.

Revision ID: 0005_tags_search
Revises: 0004_follows
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_tags_search"
down_revision = "0004_follows"
branch_labels = None
depends_on = None

SEARCH_EXPRESSION = "to_tsvector('english', title || ' ' || summary || ' ' || body)"
SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE posts_search USING fts5("
    "title, summary, body, content='posts', content_rowid='id', tokenize='porter unicode61')",
    "CREATE TRIGGER posts_search_insert AFTER INSERT ON posts BEGIN "
    "INSERT INTO posts_search(rowid, title, summary, body) "
    "VALUES (new.id, new.title, new.summary, new.body); END",
    "CREATE TRIGGER posts_search_delete AFTER DELETE ON posts BEGIN "
    "INSERT INTO posts_search(posts_search, rowid, title, summary, body) "
    "VALUES ('delete', old.id, old.title, old.summary, old.body); END",
    "CREATE TRIGGER posts_search_update AFTER UPDATE OF title, summary, body ON posts BEGIN "
    "INSERT INTO posts_search(posts_search, rowid, title, summary, body) "
    "VALUES ('delete', old.id, old.title, old.summary, old.body); "
    "INSERT INTO posts_search(rowid, title, summary, body) "
    "VALUES (new.id, new.title, new.summary, new.body); END",
    # Index the posts written before this revision.
    "INSERT INTO posts_search(posts_search) VALUES ('rebuild')",
)


def is_sqlite():
    return op.get_bind().dialect.name == "sqlite"


def upgrade():
    op.add_column(
        "posts",
        sa.Column("summary", sa.String(length=300), server_default=sa.text("''"), nullable=False),
    )

    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("post_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint("post_count >= 0", name=op.f("ck_tags_post_count_nonnegative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("name", name=op.f("uq_tags_name")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_tags_post_count_id", "tags", ["post_count", "id"])

    op.create_table(
        "post_tags",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_tags_post_id_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_post_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("post_id", "tag_id", name=op.f("pk_post_tags")),
    )
    op.create_index("ix_post_tags_tag_id_post_id", "post_tags", ["tag_id", "post_id"])

    op.create_index("ix_users_post_count_id", "users", ["post_count", "id"])

    if is_sqlite():
        for statement in SQLITE_SEARCH:
            op.execute(statement)
    else:
        op.create_index(
            "ix_posts_search", "posts", [sa.text(SEARCH_EXPRESSION)], postgresql_using="gin"
        )


def downgrade():
    if is_sqlite():
        # Dropping the table drops its shadow tables; the triggers go one by one.
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER posts_search_{trigger}")
        op.execute("DROP TABLE posts_search")
    else:
        op.drop_index("ix_posts_search", table_name="posts")
    op.drop_index("ix_users_post_count_id", table_name="users")
    op.drop_table("post_tags")
    op.drop_table("tags")
    op.drop_column("posts", "summary")
