"""posts.tag_names: each post's tag names, stored in its row

A post was shown with its tags aggregated from `post_tags` and `tags` in a
correlated subquery, once per post shown: on PostgreSQL two thirds of the
server time of a page of 20 posts. The posts plugin now writes the names into
the post's own row in the transaction that changes its tags; `post_tags`
stays the record that the `?tag=` filter and `tags.post_count` use.

The backfill is one UPDATE of the posts that have tags (on PostgreSQL it
rewrites those rows: about 5 s for 100,000 posts, under the table's lock).

Revision ID: 0012_post_tag_names
Revises: 0011_search_vector
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_post_tag_names"
down_revision = "0011_search_vector"
branch_labels = None
depends_on = None

# Each tagged post's names, sorted by code point and joined by commas (as
# `project.tags.services.joined` writes them; copied: a migration keeps the
# schema and the rules of its day). PostgreSQL sorts in the "C" collation:
# the database's own may order "a-b" and "ab" otherwise than Python does.
NAMES_BY_POST = {
    "postgresql": (
        "SELECT post_tags.post_id,"
        " string_agg(tags.name, ',' ORDER BY tags.name COLLATE \"C\") AS names"
        " FROM post_tags JOIN tags ON tags.id = post_tags.tag_id GROUP BY post_tags.post_id"
    ),
    # SQLite's group_concat takes the rows in the order the inner query gives them.
    "sqlite": (
        "SELECT post_id, group_concat(name, ',') AS names FROM ("
        "SELECT post_tags.post_id, tags.name FROM post_tags"
        " JOIN tags ON tags.id = post_tags.tag_id ORDER BY post_tags.post_id, tags.name"
        ") GROUP BY post_id"
    ),
}


def upgrade():
    # Not in batch mode: on SQLite that would rebuild `posts` and drop the
    # triggers that keep its search table.
    op.add_column(
        "posts", sa.Column("tag_names", sa.Text(), nullable=False, server_default=sa.text("''"))
    )
    names_by_post = NAMES_BY_POST[op.get_bind().dialect.name]
    op.execute(
        f"UPDATE posts SET tag_names = tagged.names FROM ({names_by_post}) AS tagged"
        " WHERE posts.id = tagged.post_id"
    )


def downgrade():
    op.drop_column("posts", "tag_names")
