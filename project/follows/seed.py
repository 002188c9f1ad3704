"""The follows step of `flask seed`: whom each new user follows.

How many: heavy-tailed (Pareto), `--follows-per-user` on average, so a few
users follow hundreds. Whom: popular users far more often (Zipf over the
users' popularity ranking), never oneself. Only the users of this run follow,
so the pairs never collide with follows already stored.
"""

from __future__ import annotations

from datetime import timedelta

from project.common.seeding import SeedContext, Zipf
from project.follows.models import Follow
from project.users.seed import SeededUsers

# Pareto shape: 2 gives a mean (and a long tail: 1 user in 400 follows 10x the mean).
SHAPE = 2.0
COLUMNS = ("follower_id", "followee_id", "created_at")


def follow_counts(ctx: SeedContext, followers: int, others: int) -> list[int]:
    mean, rng = ctx.volumes.follows_per_user, ctx.rng
    scale = mean * (SHAPE - 1) / SHAPE  # Pareto's mean is scale * shape / (shape - 1)
    return [min(others, round(scale * rng.paretovariate(SHAPE))) for _ in range(followers)]


def seed_follows(ctx: SeedContext) -> None:
    users: SeededUsers = ctx.shared("users")
    rng = ctx.rng
    popular = Zipf(users.ranked, s=1.0)
    counts = follow_counts(ctx, len(users.new), max(len(users.ranked) - 1, 0))
    if not ctx.volumes.follows_per_user:
        counts = [0] * len(users.new)

    def rows():
        for follower, count in zip(users.new, counts, strict=True):
            for followee in popular.distinct(rng, count, exclude=follower):
                at = ctx.now - timedelta(seconds=rng.uniform(0, 30 * 24 * 3600))
                yield follower, followee, at

    ctx.insert(Follow.__table__, COLUMNS, rows(), total=sum(counts))
    ctx.report(f"{sum(counts)} follows")
