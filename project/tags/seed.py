"""Tags for `flask seed`: a vocabulary, and 0 to 4 tags per post, Zipf-distributed.

This plugin knows posts by id only, so the posts plugin (the integrator)
registers the step, draws each post's tags before writing it
(`draw_post_tags`: a post stores its tag names) and hands in the posts it
seeded (`seed_post_tags`).
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


def draw_post_tags(ctx: SeedContext, count: int) -> list[list[str]]:
    """0 to 4 tag names of the vocabulary for each of `count` posts about to be
    written, the popular ones most often (the posts store them: `tag_names`)."""
    if not count:
        return []
    names = vocabulary(ctx)
    popular = Zipf(names, s=1.0)
    rng = ctx.rng
    sizes = rng.choices(range(len(TAGS_PER_POST_WEIGHTS)), TAGS_PER_POST_WEIGHTS, k=count)
    return [popular.distinct(rng, size) for size in sizes]


def seed_post_tags(ctx: SeedContext, post_ids: Sequence[int], drawn: Sequence[list[str]]) -> None:
    """The `post_tags` rows of the posts `post_ids`, tagged `drawn` (one list each)."""
    used = sorted({name for names in drawn for name in names})
    if not used:
        return
    insert_ignore(Tag, [{"name": name} for name in used])
    ids = dict(db.session.execute(select(Tag.name, Tag.id).where(Tag.name.in_(used))).all())

    def rows():
        for post_id, names in zip(post_ids, drawn, strict=True):
            for name in names:
                yield post_id, ids[name]

    total = sum(map(len, drawn))
    ctx.insert(post_tags, ("post_id", "tag_id"), rows(), total=total)
    ctx.report(f"{total} post tags ({len(used)} tags)")
