"""follows; users gain avatar_url, follower_count and following_count

Revision ID: 0004_follows
Revises: 0003_comments_likes
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_follows"
down_revision = "0003_comments_likes"
branch_labels = None
depends_on = None

COUNTERS = ("follower_count", "following_count")


def add_counter(name):
    """A NOT NULL DEFAULT 0 column with a named CHECK (n >= 0).

    SQLite cannot add a constraint to an existing table, and a batch rebuild
    would drop the expression indexes on users (SQLite cannot reflect them),
    so there the CHECK goes in the column definition itself.
    """
    check = f"ck_users_{name}_nonnegative"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE users ADD COLUMN {name} INTEGER DEFAULT 0 NOT NULL"
            f" CONSTRAINT {check} CHECK ({name} >= 0)"
        )
        return
    op.add_column(
        "users", sa.Column(name, sa.Integer(), server_default=sa.text("0"), nullable=False)
    )
    op.create_check_constraint(op.f(check), "users", f"{name} >= 0")


def upgrade():
    op.add_column("users", sa.Column("avatar_url", sa.String(length=500), nullable=True))
    for name in COUNTERS:
        add_counter(name)

    op.create_table(
        "follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("follower_id", sa.Integer(), nullable=False),
        sa.Column("followee_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("follower_id <> followee_id", name=op.f("ck_follows_not_self")),
        sa.ForeignKeyConstraint(
            ["follower_id"],
            ["users.id"],
            name=op.f("fk_follows_follower_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["followee_id"],
            ["users.id"],
            name=op.f("fk_follows_followee_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follows")),
    )
    # One follow per pair; "whom does X follow" (the feed); the follower_id FK index.
    op.create_index(
        "uq_follows_follower_id_followee_id",
        "follows",
        ["follower_id", "followee_id"],
        unique=True,
    )
    # Keyset pages of followers (also the followee_id FK index) and of following.
    op.create_index(
        "ix_follows_followee_id_created_at_id", "follows", ["followee_id", "created_at", "id"]
    )
    op.create_index(
        "ix_follows_follower_id_created_at_id", "follows", ["follower_id", "created_at", "id"]
    )


def downgrade():
    op.drop_table("follows")
    # Dropping a column drops its CHECK with it (PostgreSQL, and SQLite for a
    # column-level constraint).
    for name in reversed(COUNTERS):
        op.drop_column("users", name)
    op.drop_column("users", "avatar_url")
