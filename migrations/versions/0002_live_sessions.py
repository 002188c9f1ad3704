"""index on auth_sessions.revoked_at

The revoked_at index serves the one query that, after a Redis outage, finds
the sessions revoked since a given time to delete their cached live keys.

Revision ID: 0002_live_sessions
Revises: 0001_initial
Create Date: 2026-12-01
"""

from alembic import op

revision = "0002_live_sessions"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_auth_sessions_revoked_at", "auth_sessions", ["revoked_at"])


def downgrade():
    op.drop_index("ix_auth_sessions_revoked_at", table_name="auth_sessions")
