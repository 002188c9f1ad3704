"""auth_sessions.last_used_at; index for listing a user's sessions newest first

last_used_at is written at most once a minute per session, when one of its
tokens is checked. Sessions from before this revision start with NULL.

Revision ID: 0009_session_last_used
Revises: 0008_row_versions
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_session_last_used"
down_revision = "0008_row_versions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("auth_sessions") as batch:
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_auth_sessions_user_id_created_at_id", "auth_sessions", ["user_id", "created_at", "id"]
    )


def downgrade():
    op.drop_index("ix_auth_sessions_user_id_created_at_id", table_name="auth_sessions")
    with op.batch_alter_table("auth_sessions") as batch:
        batch.drop_column("last_used_at")
