"""The posts step of `flask seed` (and the tags of the posts it writes).

Authors are drawn from the users' popularity ranking (`SeededUsers`), mildly
skewed: popular users write more. The step shares `SeededPosts` under
"posts" for the steps of the plugins built on posts (likes, comments).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from datetime import timedelta

import click
from sqlalchemy import func, select

from project.common.seeding import SeedContext, Zipf
from project.extensions import db
from project.posts.models import Post, PostStatus
from project.tags import services as tags
from project.tags.seed import draw_post_tags, seed_post_tags
from project.users.seed import SeededUsers

TEXT_POOL = 2_000
DRAFT_SHARE = 0.1
# How strongly popularity drives who writes (1 would be Zipf's law).
AUTHOR_SKEW = 0.6
COLUMNS = (
    "author_id",
    "title",
    "summary",
    "body",
    "status",
    "comment_count",
    "like_count",
    "created_at",
    "updated_at",
    "tag_names",
)


@dataclass(frozen=True)
class SeededPosts:
    """The published posts of this run: ids, and per post its created_at (epoch
    seconds) and how popular its author is (a weight; most popular: 1.0)."""

    ids: array
    created: array
    popularity: array


def seed_posts(ctx: SeedContext) -> None:
    """Insert the posts asked for, by existing users, over the last 30 days."""
    count = ctx.volumes.posts
    users: SeededUsers = ctx.shared("users")
    if count and not users.ranked:
        raise click.ClickException("no users to write posts; seed some with --users")
    rng, fake = ctx.rng, ctx.fake
    rank = {user_id: index for index, user_id in enumerate(users.ranked)}
    authors = Zipf(users.ranked, s=AUTHOR_SKEW)
    # Faker's text generation dominates a large seed; draw posts from a pool.
    pool_size = min(max(count, 1), TEXT_POOL)
    titles = [fake.sentence(nb_words=6)[:200] for _ in range(pool_size)]
    paragraphs = [fake.paragraph(nb_sentences=rng.randint(2, 6)) for _ in range(pool_size)]
    author_ids = array("q", authors.draw(rng, count))
    created = array("d", (rng.uniform(0, 30 * 24 * 3600) for _ in range(count)))
    published = bytearray(rng.random() >= DRAFT_SHARE for _ in range(count))
    drawn_tags = draw_post_tags(ctx, count)

    def rows():
        for author_id, age, is_published, names in zip(
            author_ids, created, published, drawn_tags, strict=True
        ):
            at = ctx.now - timedelta(seconds=age)
            body = "\n\n".join(rng.choices(paragraphs, k=rng.randint(1, 4)))
            status = PostStatus.PUBLISHED if is_published else PostStatus.DRAFT
            joined = tags.joined(names)
            yield author_id, rng.choice(titles), "", body, status.value, 0, 0, at, at, joined

    before = db.session.scalar(select(func.max(Post.id))) or 0
    ctx.insert(Post.__table__, COLUMNS, rows(), total=count)
    ids = list(db.session.scalars(select(Post.id).where(Post.id > before).order_by(Post.id)))
    if len(ids) != count:
        raise click.ClickException("posts were written by someone else while seeding; run again")
    now = ctx.now.timestamp()
    kept = [index for index in range(count) if published[index]]
    ctx.share(
        "posts",
        SeededPosts(
            ids=array("q", (ids[i] for i in kept)),
            created=array("d", (now - created[i] for i in kept)),
            popularity=array("d", (1 / (rank[author_ids[i]] + 1) for i in kept)),
        ),
    )
    ctx.share("posts.all_ids", ids)
    ctx.share("posts.tags", drawn_tags)
    ctx.report(f"{count} posts ({len(kept)} published)")


def seed_tags(ctx: SeedContext) -> None:
    """Tags for the posts of this run (`project.tags.seed`)."""
    seed_post_tags(ctx, ctx.shared("posts.all_ids", []), ctx.shared("posts.tags", []))
