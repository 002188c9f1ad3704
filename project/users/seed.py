"""The users step of `flask seed`: fake accounts, and who is popular.

It shares `SeededUsers` under "users": every user's id, most popular first
(a random ranking, drawn from the run's generator), for the later steps to
skew toward (who writes, who is followed, whose posts are liked).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from project.common.security import hash_password
from project.common.seeding import SeedContext
from project.extensions import db
from project.users.identity import identity_key
from project.users.models import User

SEED_PASSWORD = "postwell-seed"
COLUMNS = (
    "username",
    "username_key",
    "email",
    "email_key",
    "display_name",
    "bio",
    "password_hash",
    "is_admin",
    "post_count",
    "follower_count",
    "following_count",
    "created_at",
    "updated_at",
)


@dataclass(frozen=True)
class SeededUsers:
    """Every user id (seeded now or before), most popular first; and the new ones."""

    ranked: list[int]
    new: list[int]


def user_rows(ctx: SeedContext, count: int, password_hash: str):
    fake, rng = ctx.fake, ctx.rng
    for number in range(count):
        # Shorten the Faker part, never the unique suffix (20 chars max).
        suffix = f"_{ctx.run_tag}{number:x}"
        name = fake.user_name()[: 20 - len(suffix)] + suffix
        email = f"{name}@example.com"
        created = ctx.now - timedelta(days=rng.uniform(30, 365))
        yield (
            name,
            identity_key(name),
            email,
            identity_key(email),
            fake.name()[:50],
            fake.sentence(nb_words=12)[:500],
            password_hash,
            False,
            0,
            0,
            0,
            created,
            created,
        )


def seed_users(ctx: SeedContext) -> None:
    """Insert the users asked for; share every user id, ranked by popularity.

    One password hash for all (argon2 is slow on purpose: ten thousand hashes
    would dominate the run).
    """
    count = ctx.volumes.users
    before = db.session.scalar(select(func.max(User.id))) or 0
    if count:
        rows = user_rows(ctx, count, hash_password(SEED_PASSWORD))
        ctx.insert(User.__table__, COLUMNS, rows, total=count)
    ids = list(db.session.scalars(select(User.id).order_by(User.id)))
    new = [user_id for user_id in ids if user_id > before]
    ranked = list(ids)
    ctx.rng.shuffle(ranked)
    ctx.share("users", SeededUsers(ranked=ranked, new=new))
    ctx.report(f"{count} users (password: {SEED_PASSWORD})")
