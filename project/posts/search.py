"""Full-text search over posts: `?q=` for the post lists.

PostgreSQL: `websearch_to_tsquery('english', :q)` against the stored vector
`posts.search_vector` (see `project.posts.models`); the query syntax is the
web-search one (words are ANDed, "quoted phrases", `or`, `-word`), and it
never raises on odd input.

A page is the newest matching posts, and PostgreSQL can find them two ways:
read every match through the GIN index and sort them (cheap for a rare word,
costly for one in half the posts), or walk the newest posts and check each
(cheap for a common word; for a word no post contains, a walk through every
post). The planner chooses by its estimate of the matches, which is often far
off for words (it took an absent word for one in 200 posts, and walked all
100,000). So `search_page` does not let it guess. Its first statement takes
at most `CANDIDATE_LIMIT` + 1 matches in no order (nothing to walk: the index
answers) and returns how many there are with the page's ids. Up to the limit,
those are all the matches and the page is loaded by id; past it, matches are
common enough that walking the newest posts fills a page soon.

SQLite: the FTS5 table `posts_search` (see `project.posts.models`). FTS5's
own query language raises on stray quotes or operators, so the MATCH string
is rebuilt from the query's words only, each quoted: every word must match
(porter-stemmed), nothing else of the query is interpreted. One statement.

Results stay in the list's own order (newest first, the same keyset cursors);
there is no relevance ranking.
"""

from __future__ import annotations

import re

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    column,
    false,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import Session

from project.common.pagination import Page, PageRequest, paginate
from project.extensions import db
from project.posts.models import SEARCH_TABLE, SEARCH_VECTOR, Post

# Up to this many matches (after the cursor), a page is chosen among them; past
# it, the newest posts are walked (see the module docstring).
CANDIDATE_LIMIT = 500

# Letters and digits; everything else (quotes, operators, underscores) separates words.
WORD = re.compile(r"[^\W_]+")


def sqlite_match(q: str) -> str | None:
    """The FTS5 MATCH string for `q`: its words, each a quoted string; None if it has none."""
    words = WORD.findall(q)
    return " ".join(f'"{word}"' for word in words) if words else None


def matches(q: str) -> ColumnElement[bool]:
    """Posts whose title, summary or body match `q`, on the session's backend."""
    if db.session.get_bind().dialect.name == "postgresql":
        query = func.websearch_to_tsquery(text("'english'"), q)
        return literal_column(f"{Post.__tablename__}.{SEARCH_VECTOR}").op("@@")(query)
    match = sqlite_match(q)
    if match is None:
        return false()
    hits = (
        text(f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :match")
        .bindparams(match=match)
        .columns(column("rowid", Integer))
    )
    return Post.id.in_(hits)


def search_page(session: Session, stmt: Select, q: str, page: PageRequest) -> Page[Post]:
    """One page of `stmt`'s posts (filtered, not yet ordered) that match `q`."""
    matching = stmt.where(matches(q))
    if session.get_bind().dialect.name != "postgresql":
        return paginate(session, matching, page)
    keyset = page.keyset
    # At most CANDIDATE_LIMIT + 1 matches, in no order: the planner reads the
    # index. Of those, how many there are, and the page's ids, newest first.
    candidates = (
        keyset.beyond(select(*keyset.columns).where(matching.whereclause), page.after)
        .limit(CANDIDATE_LIMIT + 1)
        .subquery()
    )
    keys = [candidates.c[column.key] for column in keyset.columns]
    first = (
        select(keys[-1], func.count().over()).order_by(*keyset.ordering(keys)).limit(page.limit + 1)
    )
    rows = session.execute(first).all()
    if not rows:
        return Page([], None)
    if rows[0][1] > CANDIDATE_LIMIT:  # common enough: walk the newest posts
        return paginate(session, matching, page)
    unique = keyset.columns[-1]
    result = paginate(session, matching.where(unique.in_([row[0] for row in rows])), page)
    if len(result.items) + (result.next_cursor is not None) < len(rows):
        # One of them was edited or deleted since: that page is short. Read it as usual.
        return paginate(session, matching, page)
    return result
