"""`flask seed`: realistic fake users and posts for development and benchmarks."""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta

import click
from faker import Faker
from sqlalchemy import func, insert, select, text

from project.common.cli import progress
from project.common.models import utcnow
from project.common.security import hash_password
from project.extensions import db
from project.posts.models import Post, PostStatus
from project.users.models import User
from project.users.seed import BATCH, seed_users

SEED_PASSWORD = "postwell-seed"
TEXT_POOL = 2_000


@click.command("seed")
@click.option("--users", "user_count", default=50, show_default=True, type=click.IntRange(0))
@click.option("--posts", "post_count", default=500, show_default=True, type=click.IntRange(0))
@click.option("--seed", "random_seed", default=None, type=int, help="Make the data repeatable.")
def seed(user_count: int, post_count: int, random_seed: int | None) -> None:
    """Insert fake users and posts, in batches.

    Every seeded user's password is `postwell-seed` (hashed once: argon2 is
    slow on purpose, and a thousand hashes would dominate the run).
    """
    fake = Faker()
    rng = random.Random(random_seed)
    if random_seed is not None:
        Faker.seed(random_seed)
    now = utcnow()
    # A suffix keeps usernames unique across repeated runs. Not drawn from
    # `rng`: a repeated `--seed N` would otherwise reuse every username.
    seed_users(
        user_count,
        fake=fake,
        rng=rng,
        run_tag=secrets.token_hex(3),
        password_hash=hash_password(SEED_PASSWORD),
        now=now,
    )
    seed_posts(post_count, fake=fake, rng=rng, now=now)
    refresh_post_counts()
    # Fresh statistics, so the planner uses the keyset indexes at once
    # (autovacuum may be minutes away, or off).
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    click.echo(f"Seeded {user_count} users and {post_count} posts (password: {SEED_PASSWORD}).")


def seed_posts(count: int, *, fake: Faker, rng: random.Random, now: datetime) -> None:
    """Insert `count` posts by random existing users, in batches."""
    author_ids = list(db.session.scalars(select(User.id)))
    if count and not author_ids:
        raise click.ClickException("no users to write posts; seed some with --users")
    # Faker's text generation dominates a large seed; draw posts from a pool.
    pool_size = min(max(count, 1), TEXT_POOL)
    titles = [fake.sentence(nb_words=6)[:200] for _ in range(pool_size)]
    paragraphs = [fake.paragraph(nb_sentences=rng.randint(2, 6)) for _ in range(pool_size)]

    def post_row() -> dict:
        draft = rng.random() < 0.1
        created = now - timedelta(seconds=rng.uniform(0, 30 * 24 * 3600))
        return {
            "author_id": rng.choice(author_ids),
            "title": rng.choice(titles),
            "body": "\n\n".join(rng.choices(paragraphs, k=rng.randint(1, 4))),
            "status": (PostStatus.DRAFT if draft else PostStatus.PUBLISHED).value,
            "created_at": created,
            "updated_at": created,
        }

    with progress(count, "posts") as bar:
        for start in range(0, count, BATCH):
            rows = [post_row() for _ in range(min(BATCH, count - start))]
            db.session.execute(insert(Post), rows)
            db.session.commit()
            bar.update(len(rows))


def refresh_post_counts() -> None:
    """Recompute every user's published-post count in one statement."""
    published = (
        select(func.count(Post.id))
        .where(Post.author_id == User.id, Post.status == PostStatus.PUBLISHED.value)
        .scalar_subquery()
    )
    db.session.execute(User.__table__.update().values(post_count=published))
    db.session.commit()
