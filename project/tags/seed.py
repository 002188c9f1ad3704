"""Tags for `flask seed`: a vocabulary, and 0 to 4 tags per post, Zipf-distributed.

This plugin knows posts by id only, so the posts plugin (the integrator)
registers the step and hands in the posts it seeded (`seed_post_tags`).
`tags.post_count` is left to the seed's closing recount.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import select

from project.common.seeding import SeedContext, Zipf
from project.common.sql import insert_ignore
from project.extensions import db
from project.tags.models import NAME_MAX, Tag, post_tags

VOCABULARY = 200
# How many posts get 0, 1, 2, 3 or 4 tags.
TAGS_PER_POST_WEIGHTS = (0.2, 0.3, 0.25, 0.15, 0.1)
SLUG = re.compile(r"[^a-z0-9]+")


def vocabulary(ctx: SeedContext, size: int = VOCABULARY) -> list[str]:
    """`size` distinct tag slugs made of Faker words, in a repeatable order."""
    words = sorted({SLUG.sub("", word.lower()) for word in ctx.fake.words(nb=2_000)} - {""})
    ctx.rng.shuffle(words)
    names = words[:size]
    # Few words in the list: pairs of words fill the rest.
    for number in range(size - len(names)):
        names.append(f"{words[number % len(words)]}-{number}"[:NAME_MAX])
    return names


def seed_post_tags(ctx: SeedContext, post_ids: Sequence[int]) -> None:
    """Tag each post with 0 to 4 tags of the vocabulary, the popular ones most often."""
    if not post_ids:
        return
    names = vocabulary(ctx)
    insert_ignore(Tag, [{"name": name} for name in names])
    ids = dict(db.session.execute(select(Tag.name, Tag.id).where(Tag.name.in_(names))).all())
    popular = Zipf([ids[name] for name in names], s=1.0)
    rng = ctx.rng
    sizes = rng.choices(range(len(TAGS_PER_POST_WEIGHTS)), TAGS_PER_POST_WEIGHTS, k=len(post_ids))

    def rows():
        for post_id, size in zip(post_ids, sizes, strict=True):
            for tag_id in popular.distinct(rng, size):
                yield post_id, tag_id

    ctx.insert(post_tags, ("post_id", "tag_id"), rows(), total=sum(sizes))
    ctx.report(f"{sum(sizes)} post tags ({len(names)} tags)")
