"""Full-text search over posts: `?q=` as a WHERE clause for the post lists.

PostgreSQL: `websearch_to_tsquery('english', :q)` against the expression the
GIN index `ix_posts_search` is built on (`search_document`), so the index
serves it; the query syntax is the web-search one (words are ANDed,
"quoted phrases", `or`, `-word`), and it never raises on odd input.

SQLite: the FTS5 table `posts_search` (see `project.posts.models`). FTS5's
own query language raises on stray quotes or operators, so the MATCH string
is rebuilt from the query's words only, each quoted: every word must match
(porter-stemmed), nothing else of the query is interpreted.

Results stay in the list's own order (newest first, the same keyset cursors);
there is no relevance ranking.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, Integer, column, false, func, text

from project.extensions import db
from project.posts.models import SEARCH_TABLE, Post, search_document

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
        return search_document(Post.__table__.c).op("@@")(query)
    match = sqlite_match(q)
    if match is None:
        return false()
    hits = (
        text(f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :match")
        .bindparams(match=match)
        .columns(column("rowid", Integer))
    )
    return Post.id.in_(hits)
