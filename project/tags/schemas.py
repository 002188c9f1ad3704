"""The tags API contract, and the `tags` input field the posts plugin uses."""

from __future__ import annotations

import re
from typing import Any

import marshmallow as ma

from project.common.fields import SafeText
from project.common.pagination import PaginationQuerySchema
from project.tags.models import NAME_MAX, TAGS_MOST_USED

# What is stored: a lower-case slug; words of letters, digits and underscores
# (RealWorld's conformance suite tags articles `d_<n>`: see project.realworld).
TAG_PATTERN = r"^[a-z0-9_]+(-[a-z0-9_]+)*$"
# What is accepted: the same in any case, with spaces around (trimmed, lower-cased).
INPUT_PATTERN = r"^ *[A-Za-z0-9_]+(-[A-Za-z0-9_]+)* *$"
_INPUT_RE = re.compile(INPUT_PATTERN)
MAX_TAGS = 10
TAG_ERROR = (
    f"A tag is 1 to {NAME_MAX} letters, digits, underscores and single hyphens "
    "(e.g. `web-dev`); "
    "it is stored lower-cased."
)


class TagName(SafeText):
    """One tag: a slug of up to 30 characters, trimmed of spaces and lower-cased."""

    default_error_messages = {"slug": TAG_ERROR}

    def __init__(self, *, example: str | None = "python", **kwargs: Any) -> None:
        """`example=None` for a query filter: Swagger UI's "Try it out" sends examples."""
        metadata = {
            "pattern": INPUT_PATTERN,
            "minLength": 1,
            "maxLength": NAME_MAX,
            **({"example": example} if example is not None else {}),
            **kwargs.pop("metadata", {}),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        # fullmatch: `$` alone would also accept a final newline.
        if len(raw) > NAME_MAX or _INPUT_RE.fullmatch(raw) is None:
            raise self.make_error("slug")
        return raw.strip(" ").lower()


class TagList(ma.fields.List):
    """Up to 10 tags; one given twice (after lower-casing) is kept once, first order kept.

    The limit applies to the list as sent, as the spec's `maxItems` says.
    """

    default_error_messages = {"too_many": f"At most {MAX_TAGS} tags."}

    def __init__(self, **kwargs: Any) -> None:
        metadata = {
            "maxItems": MAX_TAGS,
            "example": ["python", "flask"],
            **kwargs.pop("metadata", {}),
        }
        super().__init__(TagName(), metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> list[str]:
        if isinstance(value, list | tuple) and len(value) > MAX_TAGS:
            raise self.make_error("too_many")
        return list(dict.fromkeys(super()._deserialize(value, attr, data, **kwargs)))


class TagSchema(ma.Schema):
    name = ma.fields.String(dump_only=True)
    post_count = ma.fields.Integer(
        dump_only=True, metadata={"description": "Published posts with this tag."}
    )


class TagQuerySchema(PaginationQuerySchema):
    keyset = TAGS_MOST_USED
