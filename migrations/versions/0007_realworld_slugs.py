"""realworld_slugs: the RealWorld plugin's article slugs, one per post

Existing posts get theirs the first time the RealWorld API shows them
(`project.realworld.services.slugs_of`); new ones in the transaction that
creates them.

Revision ID: 0007_realworld_slugs
Revises: 0006_live_sessions
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_realworld_slugs"
down_revision = "0006_live_sessions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "realworld_slugs",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_realworld_slugs_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", name=op.f("pk_realworld_slugs")),
    )
    op.create_index("uq_realworld_slugs_slug", "realworld_slugs", ["slug"], unique=True)


def downgrade():
    op.drop_index("uq_realworld_slugs_slug", table_name="realworld_slugs")
    op.drop_table("realworld_slugs")
