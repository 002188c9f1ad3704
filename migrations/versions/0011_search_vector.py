"""PostgreSQL search: a stored tsvector column with a GIN index, instead of the expression index

A search checked against the expression index had to parse each post's text
again whenever PostgreSQL walked the newest posts, and the planner walks for
any word it takes to be common: a word no post contains walked all of them
(seconds on 100,000 posts). The stored vector makes that check cheap, and
`project.posts.search` counts the matches through the index before choosing.

Adding a stored generated column rewrites `posts` (an exclusive lock for the
time it takes: about 15 s for 100,000 posts). SQLite keeps its FTS5 table.

Revision ID: 0011_search_vector
Revises: 0010_account_mail
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_search_vector"
down_revision = "0010_account_mail"
branch_labels = None
depends_on = None

# As `project.posts.models.POSTGRESQL_SEARCH_DDL` (copied: a migration keeps
# the schema of its day whatever the models become).
SEARCH_DOCUMENT = "to_tsvector('english', title || ' ' || summary || ' ' || body)"


def is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if not is_postgresql():
        return
    op.drop_index("ix_posts_search", table_name="posts")
    op.execute(
        "ALTER TABLE posts ADD COLUMN search_vector tsvector"
        f" GENERATED ALWAYS AS ({SEARCH_DOCUMENT}) STORED"
    )
    op.create_index("ix_posts_search_vector", "posts", ["search_vector"], postgresql_using="gin")


def downgrade():
    if not is_postgresql():
        return
    op.drop_index("ix_posts_search_vector", table_name="posts")
    op.drop_column("posts", "search_vector")
    op.create_index("ix_posts_search", "posts", [sa.text(SEARCH_DOCUMENT)], postgresql_using="gin")
