"""comments, likes, posts.comment_count / like_count, non-negative counters

Revision ID: 0003_comments_likes
Revises: 0002_identity_keys
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_comments_likes"
down_revision = "0002_identity_keys"
branch_labels = None
depends_on = None

COUNTERS = ("comment_count", "like_count")


def timestamp(name, nullable=False):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def is_sqlite():
    return op.get_bind().dialect.name == "sqlite"


def add_post_counters():
    for name in COUNTERS:
        check = f"ck_posts_{name}_nonnegative"
        if is_sqlite():
            # SQLite cannot add a table constraint to an existing table (alembic
            # would rebuild `posts`), but ADD COLUMN takes a column CHECK.
            op.execute(
                f"ALTER TABLE posts ADD COLUMN {name} INTEGER DEFAULT 0 NOT NULL "
                f"CONSTRAINT {check} CHECK ({name} >= 0)"
            )
        else:
            op.add_column(
                "posts",
                sa.Column(name, sa.Integer(), server_default=sa.text("0"), nullable=False),
            )
            op.create_check_constraint(check, "posts", f"{name} >= 0")


def upgrade():
    add_post_counters()
    # SQLite keeps users as it is: adding the CHECK would rebuild the table,
    # dropping its expression indexes and (foreign keys on) cascading the
    # drop to every post. Databases created from the models have it.
    if not is_sqlite():
        op.create_check_constraint("ck_users_post_count_nonnegative", "users", "post_count >= 0")

    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        timestamp("created_at"),
        timestamp("updated_at"),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_comments_post_id_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_comments_author_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_comments_post_id_created_at_id", "comments", ["post_id", "created_at", "id"]
    )
    op.create_index("ix_comments_author_id", "comments", ["author_id"])

    op.create_table(
        "likes",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_likes_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_likes_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "post_id", name=op.f("pk_likes")),
    )
    op.create_index(
        "ix_likes_post_id_created_at_user_id", "likes", ["post_id", "created_at", "user_id"]
    )
    op.create_index(
        "ix_likes_user_id_created_at_post_id", "likes", ["user_id", "created_at", "post_id"]
    )


def downgrade():
    op.drop_table("likes")
    op.drop_table("comments")
    if not is_sqlite():
        op.drop_constraint("ck_users_post_count_nonnegative", "users", type_="check")
    for name in reversed(COUNTERS):
        if is_sqlite():
            # Its column CHECK goes with it.
            op.execute(f"ALTER TABLE posts DROP COLUMN {name}")
        else:
            op.drop_constraint(f"ck_posts_{name}_nonnegative", "posts", type_="check")
            op.drop_column("posts", name)
