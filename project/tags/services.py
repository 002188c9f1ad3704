"""Tag rules: a post's tags, the `?tag=` filter, and `tags.post_count`.

This plugin knows posts only by id: the posts plugin (which builds on this
one) calls `set_post_tags` in the transaction of every post write, telling it
whether the post was and is published, and `release_posts` before posts go
with their deleted author.

`tags.post_count` counts the published posts carrying each tag. It is only
changed here, in the caller's transaction, by `UPDATE tags SET post_count =
post_count + <delta>` where each delta comes from what the write itself did:
the `post_tags` rows a DELETE ... RETURNING removed and an INSERT ... ON
CONFLICT DO NOTHING RETURNING added, plus +-1 for the tags a post keeps when
it is published or unpublished. The tag rows are locked in name order before
the increment (FOR NO KEY UPDATE, as the UPDATE itself would: it does not
wait for the key-share locks other writers' `post_tags` foreign keys hold),
so two writers never deadlock on them. A new published post's tags are
created and counted by one upsert (`_count_in`), whose rows, sorted by name,
are locked in that order too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cache

from sqlalchemy import (
    Insert,
    Integer,
    Select,
    bindparam,
    case,
    delete,
    func,
    select,
    update,
)

from project.common.pagination import Page, PageRequest, paginate
from project.common.sql import INSERTS, dialect_insert, insert_ignore
from project.extensions import db
from project.tags.models import Tag, post_tags


def list_tags(*, page: PageRequest) -> Page[Tag]:
    """Tags of published posts, most used first (tags no published post carries are left out)."""
    return paginate(db.session, select(Tag).where(Tag.post_count > 0), page)


# Joins a post's tag names in one string (`posts.tag_names`): TAG_PATTERN admits no comma.
SEPARATOR = ","


def joined(names: Iterable[str]) -> str:
    """The tag names `names` (already normalised by `TagList`) as a post stores them."""
    return SEPARATOR.join(sorted(set(names)))


def split_names(joined_names: str) -> list[str]:
    """A post's stored `joined` names as `tags` shows them: a sorted list."""
    return joined_names.split(SEPARATOR) if joined_names else []


TAG_ID_BY_NAME = select(Tag.id).where(Tag.name == bindparam("name"))


def tag_id(name: str) -> int | None:
    """The id of the tag `name`; None when no post was ever tagged so."""
    return db.session.scalar(TAG_ID_BY_NAME, {"name": name})


def tagged(tag_id: int | None = None) -> Select:
    """The ids of the posts tagged `tag_id` (from `tag_id(name)`), for a
    `Post.id.in_(...)` filter; without a value, a statement built once takes
    it as the parameter `tag_id`.

    The id is written into the SQL as a literal, not sent as a parameter, so
    that PostgreSQL plans each tag for the number of posts it has (its
    statistics of `post_tags.tag_id`): a common tag walks the posts by date
    and checks each for the tag, a rare one fetches its few posts and sorts
    them. One plan for every tag (a parameter, or the tag joined by name) is
    wrong at one end: hundreds of milliseconds for a page of a tag on a
    fifth of 100,000 posts.
    """
    value = bindparam("tag_id", tag_id, type_=Integer, literal_execute=True)
    return select(post_tags.c.post_id).where(post_tags.c.tag_id == value)


def _tag_ids(names: Sequence[str]) -> dict[str, int]:
    """The ids of these tags, creating the missing ones (a concurrent creator is no error)."""
    if not names:
        return {}
    # Sorted: two writers inserting the same new tags wait for each other in
    # the same order instead of deadlocking.
    insert_ignore(Tag, [{"name": name} for name in sorted(names)])
    return dict(db.session.execute(select(Tag.name, Tag.id).where(Tag.name.in_(names))).all())


@cache
def _counting_upsert(dialect: str) -> Insert:
    """`INSERT INTO tags (name, post_count) VALUES ... ON CONFLICT (name) DO UPDATE
    SET post_count = tags.post_count + excluded.post_count RETURNING name, id`,
    built once per backend."""
    stmt = INSERTS[dialect](Tag.__table__)
    return stmt.on_conflict_do_update(
        index_elements=[Tag.name],
        set_={"post_count": Tag.post_count + stmt.excluded.post_count},
    ).returning(Tag.name, Tag.id)


def _count_in(names: Sequence[str]) -> dict[str, int]:
    """The ids of these tags, created if missing, each counting one more published post.

    One statement where `_tag_ids` and `_shift` take four (insert, select,
    lock, update): what a new published post's tags need. The rows are sorted
    by name, the lock order of every writer of tags.
    """
    if not names:
        return {}
    upsert = _counting_upsert(db.session.get_bind().dialect.name)
    rows = [{"name": name, "post_count": 1} for name in sorted(set(names))]
    return dict(db.session.execute(upsert, rows).all())


def _shift(deltas: Mapping[int, int]) -> None:
    """Add `deltas[tag_id]` to each tag's post_count, in one UPDATE."""
    deltas = {tag_id: delta for tag_id, delta in deltas.items() if delta}
    if not deltas:
        return
    ids = sorted(deltas)
    db.session.execute(
        select(Tag.id).where(Tag.id.in_(ids)).order_by(Tag.name).with_for_update(key_share=True)
    )
    db.session.execute(
        update(Tag)
        .where(Tag.id.in_(ids))
        .values(post_count=Tag.post_count + case(deltas, value=Tag.id, else_=0))
    )


def set_post_tags(
    *, post_id: int, names: Sequence[str] | None, was_published: bool, is_published: bool
) -> None:
    """Give the post exactly `names` (None: keep its tags) and keep the counts right.

    Call after the post row is written (and, for an existing post, locked),
    in the same transaction.
    """
    deltas: dict[int, int] = {}
    kept: Iterable[int]
    if names is None:
        if was_published == is_published:
            return
        kept = db.session.scalars(select(post_tags.c.tag_id).where(post_tags.c.post_id == post_id))
    else:
        wanted = _tag_ids(names)
        removed = db.session.scalars(
            delete(post_tags)
            .where(post_tags.c.post_id == post_id, post_tags.c.tag_id.not_in(wanted.values()))
            .returning(post_tags.c.tag_id)
        ).all()
        added: list[int] = []
        if wanted:
            added = db.session.scalars(
                dialect_insert(post_tags)
                .values([{"post_id": post_id, "tag_id": tag_id} for tag_id in wanted.values()])
                .on_conflict_do_nothing()
                .returning(post_tags.c.tag_id)
            ).all()
        for tag_id in removed:
            deltas[tag_id] = -int(was_published)
        for tag_id in added:
            deltas[tag_id] = int(is_published)
        kept = set(wanted.values()) - set(added)
    for tag_id in kept:
        deltas[tag_id] = int(is_published) - int(was_published)
    _shift(deltas)


def tag_new_post(*, post_id: int, names: Sequence[str], is_published: bool) -> None:
    """Give a post just written its first tags.

    `set_post_tags` for a post that has none yet: nothing to remove, so no
    DELETE, and every tag is added (and counted, when the post is published).
    """
    wanted = _count_in(names) if is_published else _tag_ids(names)
    if wanted:
        rows = [{"post_id": post_id, "tag_id": tag_id} for tag_id in wanted.values()]
        db.session.execute(post_tags.insert(), rows)


def release_posts(post_ids: Select) -> None:
    """Take the published posts `post_ids` selects off their tags' counts, set-based.

    For posts about to go by ON DELETE CASCADE (their author is deleted),
    which removes their `post_tags` rows without touching any count.
    """
    affected = select(post_tags.c.tag_id).where(post_tags.c.post_id.in_(post_ids))
    db.session.execute(
        select(Tag.id)
        .where(Tag.id.in_(affected))
        .order_by(Tag.name)
        .with_for_update(key_share=True)
    )
    carried = (
        select(func.count())
        .select_from(post_tags)
        .where(post_tags.c.tag_id == Tag.id, post_tags.c.post_id.in_(post_ids))
        .scalar_subquery()
    )
    db.session.execute(
        update(Tag).where(Tag.id.in_(affected)).values(post_count=Tag.post_count - carried)
    )
