"""The comments step of `flask seed`: comments on the published posts of this run.

About `--comments-per-post` per post on average, skewed toward popular
authors' posts like likes are; commenters are any users; comments come after
the post, before now. Bodies are drawn from a pool of Faker sentences.
"""

from __future__ import annotations

from datetime import UTC, datetime

from project.comments.models import Comment
from project.common.seeding import SeedContext, skewed_counts
from project.posts.seed import SeededPosts
from project.users.seed import SeededUsers

TEXT_POOL = 1_000
COLUMNS = ("post_id", "author_id", "body", "created_at", "updated_at")


def seed_comments(ctx: SeedContext) -> None:
    users: SeededUsers = ctx.shared("users")
    posts: SeededPosts = ctx.shared("posts")
    rng, everyone = ctx.rng, users.ranked
    total = ctx.volumes.comments_per_post * len(posts.ids)
    counts = skewed_counts(rng, total, posts.popularity)
    pool = [ctx.fake.sentence(nb_words=rng.randint(4, 20)) for _ in range(TEXT_POOL)]
    now = ctx.now.timestamp()

    def rows():
        for post_id, created, count in zip(posts.ids, posts.created, counts, strict=True):
            for _ in range(count):
                at = datetime.fromtimestamp(rng.uniform(created, now), UTC)
                yield post_id, rng.choice(everyone), rng.choice(pool), at, at

    ctx.insert(Comment.__table__, COLUMNS, rows(), total=sum(counts))
    ctx.report(f"{sum(counts)} comments")
