"""refresh_tokens.replaced_by; index on auth_sessions.revoked_at

replaced_by records the successor a refresh token was spent for, so a client
racing itself within JWT_REFRESH_REUSE_INTERVAL gets that same successor.
The revoked_at index serves the one query that, after a Redis outage, finds
the sessions revoked since a given time to delete their cached live keys.

Revision ID: 0006_live_sessions
Revises: 0005_tags_search
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_live_sessions"
down_revision = "0005_tags_search"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.add_column(sa.Column("replaced_by", sa.String(length=36), nullable=True))
    op.create_index("ix_auth_sessions_revoked_at", "auth_sessions", ["revoked_at"])


def downgrade():
    op.drop_index("ix_auth_sessions_revoked_at", table_name="auth_sessions")
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.drop_column("replaced_by")
