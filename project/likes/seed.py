"""The likes step of `flask seed`: likes of the published posts of this run.

About `--likes-per-post` per post on average, in proportion to the author's
popularity (`SeededPosts.popularity`): popular authors' posts collect most
likes, most posts few or none. Each post's likers are distinct users; likes
come after the post, before now.
"""

from __future__ import annotations

from datetime import UTC, datetime

from project.common.seeding import SeedContext, skewed_counts
from project.likes.models import Like
from project.posts.seed import SeededPosts
from project.users.seed import SeededUsers

COLUMNS = ("user_id", "post_id", "created_at")


def seed_likes(ctx: SeedContext) -> None:
    users: SeededUsers = ctx.shared("users")
    posts: SeededPosts = ctx.shared("posts")
    rng, everyone = ctx.rng, users.ranked
    total = ctx.volumes.likes_per_post * len(posts.ids)
    counts = [min(n, len(everyone)) for n in skewed_counts(rng, total, posts.popularity)]
    now = ctx.now.timestamp()

    def rows():
        for post_id, created, count in zip(posts.ids, posts.created, counts, strict=True):
            for user_id in rng.sample(everyone, count):
                at = datetime.fromtimestamp(rng.uniform(created, now), UTC)
                yield user_id, post_id, at

    ctx.insert(Like.__table__, COLUMNS, rows(), total=sum(counts))
    ctx.report(f"{sum(counts)} likes")
