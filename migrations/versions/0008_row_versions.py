"""posts.version, comments.version, users.version: optimistic locking and ETags

SQLAlchemy's `version_id_col` (`project.common.models.VersionMixin`): every
ORM update bumps the row's version and is refused (412) when the row changed
since it was read. Existing rows start at 1. A plain ADD COLUMN on both
backends (SQLite needs no table rebuild for a constant default, so the FTS5
triggers on `posts` stay in place).

Revision ID: 0008_row_versions
Revises: 0007_realworld_slugs
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_row_versions"
down_revision = "0007_realworld_slugs"
branch_labels = None
depends_on = None

TABLES = ("posts", "comments", "users")


def upgrade():
    for table in TABLES:
        op.add_column(
            table, sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, recreate="never") as batch:
            batch.drop_column("version")
