"""users: username_key and email_key (NFKC case folding) carry the unique indexes

The lower() expression indexes compared usernames and emails with the
database's lower(), which disagrees with Python's (and between PostgreSQL and
SQLite) outside ASCII. The keys are computed in Python by
`project.users.identity.identity_key`; this migration copies that function
as it is today (a migration must not change when the app does) and
backfills existing rows with it.

Two existing users whose keys collide (e.g. `Straße@x` and `strasse@x`) stop
the upgrade at the unique index: resolve them by hand, then run it again.

On SQLite the NOT NULL change rebuilds the table (batch mode). SQLite would
run ON DELETE CASCADE when the old table is dropped, so foreign keys are
switched off around the rebuild (outside a transaction, or the PRAGMA does
nothing) and checked afterwards.

Revision ID: 0002_identity_keys
Revises: 0001_initial
Create Date: 2026-12-01
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0002_identity_keys"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

BATCH = 1000


def identity_key(value):
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold())


users = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("username", sa.String),
    sa.column("email", sa.String),
    sa.column("username_key", sa.String),
    sa.column("email_key", sa.String),
)


def backfill(connection):
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(users.c.id, users.c.username, users.c.email)
            .where(users.c.id > last_id)
            .order_by(users.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            users.update()
            .where(users.c.id == sa.bindparam("row_id"))
            .values(username_key=sa.bindparam("u_key"), email_key=sa.bindparam("e_key")),
            [
                {
                    "row_id": row.id,
                    "u_key": identity_key(row.username),
                    "e_key": identity_key(row.email),
                }
                for row in rows
            ],
        )
        last_id = rows[-1].id


class sqlite_foreign_keys_off:
    """On SQLite, commit what is pending and turn foreign keys off around a rebuild.

    pysqlite opens its own transactions (before INSERT/UPDATE/DELETE), so this
    works on the driver's connection.
    """

    def __init__(self, connection):
        self.raw = None
        if connection.dialect.name == "sqlite":
            self.raw = connection.connection.driver_connection

    def commit(self):
        if self.raw.in_transaction:
            self.raw.commit()

    def __enter__(self):
        if self.raw is not None:
            self.commit()
            self.raw.execute("PRAGMA foreign_keys=OFF")
            state = self.raw.execute("PRAGMA foreign_keys").fetchone()[0]
            assert state == 0, "SQLite foreign keys are still on: the rebuild would cascade"

    def __exit__(self, *exc):
        if self.raw is not None:
            self.commit()
            problems = self.raw.execute("PRAGMA foreign_key_check").fetchall()
            self.raw.execute("PRAGMA foreign_keys=ON")
            assert not problems, f"foreign key violations after the rebuild: {problems}"
        return False


def rebuild_users(connection, change):
    with (
        sqlite_foreign_keys_off(connection),
        op.batch_alter_table("users", table_kwargs={"sqlite_autoincrement": True}) as batch,
    ):
        change(batch)


def upgrade():
    connection = op.get_bind()
    op.add_column("users", sa.Column("username_key", sa.String(length=20), nullable=True))
    op.add_column("users", sa.Column("email_key", sa.String(length=254), nullable=True))
    backfill(connection)
    op.drop_index("uq_users_username_lower", table_name="users")
    op.drop_index("uq_users_email_lower", table_name="users")

    def not_null(batch):
        batch.alter_column("username_key", existing_type=sa.String(length=20), nullable=False)
        batch.alter_column("email_key", existing_type=sa.String(length=254), nullable=False)

    rebuild_users(connection, not_null)
    op.create_index("uq_users_username_key", "users", ["username_key"], unique=True)
    op.create_index("uq_users_email_key", "users", ["email_key"], unique=True)


def downgrade():
    connection = op.get_bind()
    op.drop_index("uq_users_email_key", table_name="users")
    op.drop_index("uq_users_username_key", table_name="users")

    def drop_keys(batch):
        batch.drop_column("email_key")
        batch.drop_column("username_key")

    rebuild_users(connection, drop_keys)
    # Users that differ only outside ASCII may now collide under lower(): the
    # index creation then fails and the downgrade stops, nothing half-done on
    # PostgreSQL.
    op.create_index("uq_users_username_lower", "users", [sa.text("lower(username)")], unique=True)
    op.create_index("uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True)
