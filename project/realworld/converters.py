"""Path segments of the RealWorld routes: any text matches, the view decides.

With Flask's `int` converter, `/comments/abc` would match no route and be
answered by the app (problem+json) instead of by this blueprint; here every
segment reaches the view, which answers RealWorld's 404.
"""

from __future__ import annotations

from werkzeug.routing import BaseConverter

from project.common.fields import MAX_ID


class NameConverter(BaseConverter):
    """A slug or username: any non-empty segment."""

    regex = "[^/]+"


class SlugConverter(NameConverter):
    """An article slug; never `feed`, so `/api/articles/feed` is the feed's alone.

    (A slug ends with its post id: no article is called `feed`.) Without this,
    `PUT /api/articles/feed` would reach the article route, and `Allow` would
    list its methods for the feed. Excluded by the pattern itself: Werkzeug
    computes `Allow` from patterns, without calling `to_python`.
    """

    regex = "(?!feed(?:/|$))[^/]+"


class CommentIdConverter(BaseConverter):
    """A comment id; anything but 1..MAX_ID becomes 0, which names no comment."""

    regex = "[^/]+"

    def to_python(self, value: str) -> int:
        if value.isascii() and value.isdigit() and len(value) <= 10 and int(value) <= MAX_ID:
            return int(value)
        return 0

    def to_url(self, value: int) -> str:
        return str(value)


CONVERTERS = {
    "rw_name": (NameConverter, {"type": "string", "minLength": 1}),
    "rw_slug": (SlugConverter, {"type": "string", "minLength": 1}),
    "rw_comment_id": (CommentIdConverter, {"type": "integer", "minimum": 1, "maximum": MAX_ID}),
}
