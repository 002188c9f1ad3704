"""Fake users for `flask seed` (the command lives in the posts plugin, which seeds both)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from faker import Faker
from sqlalchemy import insert

from project.common.cli import progress
from project.extensions import db
from project.users.identity import identity_key
from project.users.models import User

BATCH = 5_000


def user_rows(
    numbers: range,
    *,
    fake: Faker,
    rng: random.Random,
    run_tag: str,
    password_hash: str,
    now: datetime,
) -> list[dict]:
    rows = []
    for number in numbers:
        # Shorten the Faker part, never the unique suffix (20 chars max).
        suffix = f"_{run_tag}{number:x}"
        name = fake.user_name()[: 20 - len(suffix)] + suffix
        created = now - timedelta(days=rng.uniform(30, 365))
        rows.append(
            {
                "username": name,
                "username_key": identity_key(name),
                "email": f"{name}@example.com",
                "email_key": identity_key(f"{name}@example.com"),
                "display_name": fake.name()[:50],
                "bio": fake.sentence(nb_words=12)[:500],
                "password_hash": password_hash,
                "is_admin": False,
                "post_count": 0,
                "created_at": created,
                "updated_at": created,
            }
        )
    return rows


def seed_users(
    count: int, *, fake: Faker, rng: random.Random, run_tag: str, password_hash: str, now: datetime
) -> None:
    """Insert `count` users in batches; `run_tag` keeps usernames unique across runs."""
    with progress(count, "users") as bar:
        for start in range(0, count, BATCH):
            numbers = range(start, min(start + BATCH, count))
            rows = user_rows(
                numbers, fake=fake, rng=rng, run_tag=run_tag, password_hash=password_hash, now=now
            )
            db.session.execute(insert(User), rows)
            db.session.commit()
            bar.update(len(rows))
