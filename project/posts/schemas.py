"""The posts API contract."""

from __future__ import annotations

import marshmallow as ma

from project.common.fields import SafeText
from project.common.pagination import PaginationQuerySchema
from project.common.schema import Schema
from project.common.viewer import viewer_field
from project.posts.models import POSTS_NEWEST_FIRST, STATUSES, PostStatus
from project.tags.schemas import TagList, TagName
from project.users.schemas import UserSummarySchema

TITLE = ma.validate.Length(min=1, max=200)
BODY = ma.validate.Length(min=1, max=50_000)
SUMMARY = ma.validate.Length(max=300)
SEARCH = ma.validate.Length(min=1, max=200)
TAGS_DESCRIPTION = (
    "Up to 10 tags (lower-cased and trimmed; a repeat is kept once). "
    "On PATCH, replaces the post's tags."
)
STATUS = ma.validate.OneOf(STATUSES)


class PostSchema(Schema):
    """A post; `liked` only for an authenticated viewer.

    `comment_count` and `like_count` are kept by the comments and likes
    plugins; `liked` is their viewer field (`project.likes` provides it).
    """

    id = ma.fields.Integer(dump_only=True)
    title = ma.fields.String(dump_only=True)
    summary = ma.fields.String(dump_only=True)
    body = ma.fields.String(dump_only=True)
    status = ma.fields.String(dump_only=True, metadata={"enum": list(STATUSES)})
    # Not viewer-dependent: the same for everyone, loaded for a whole page in
    # one query by the posts plugin's provider (`project.posts.tags_of`).
    tags = viewer_field(
        ma.fields.List,
        cls_or_instance=ma.fields.String(),
        metadata={"description": "Tag names, sorted."},
    )
    author = ma.fields.Nested(UserSummarySchema, dump_only=True)
    comment_count = ma.fields.Integer(dump_only=True)
    like_count = ma.fields.Integer(dump_only=True)
    liked = viewer_field(
        ma.fields.Boolean,
        metadata={"description": "Whether you like this post (authenticated callers only)."},
    )
    created_at = ma.fields.AwareDateTime(dump_only=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)


class PostCreateSchema(ma.Schema):
    title = SafeText(required=True, validate=TITLE, metadata={"example": "Keyset pagination"})
    summary = SafeText(
        load_default="", validate=SUMMARY, metadata={"example": "Why OFFSET gets slow."}
    )
    body = SafeText(required=True, validate=BODY, metadata={"example": "Use the last key."})
    status = ma.fields.String(
        load_default=PostStatus.PUBLISHED.value, validate=STATUS, metadata={"example": "published"}
    )
    tags = TagList(load_default=list, metadata={"description": TAGS_DESCRIPTION})


class PostUpdateSchema(ma.Schema):
    title = SafeText(validate=TITLE, metadata={"example": "Keyset pagination, revisited"})
    summary = SafeText(validate=SUMMARY, metadata={"example": "Why OFFSET gets slower."})
    body = SafeText(validate=BODY, metadata={"example": "Use the last key, not a page number."})
    status = ma.fields.String(validate=STATUS, metadata={"example": "draft"})
    tags = TagList(metadata={"description": TAGS_DESCRIPTION})


class UserPostQuerySchema(PaginationQuerySchema):
    keyset = POSTS_NEWEST_FIRST

    status = ma.fields.String(
        load_default=PostStatus.PUBLISHED.value,
        validate=STATUS,
        metadata={"description": "`draft` lists your own drafts (needs a token)."},
    )


class PostQuerySchema(UserPostQuerySchema):
    author = SafeText(
        validate=ma.validate.Length(min=1, max=20),
        metadata={"description": "Author id or username."},
    )
    tag = TagName(
        example=None, metadata={"description": "Only posts with this tag, e.g. `python`."}
    )
    q = SafeText(
        validate=SEARCH,
        metadata={
            "description": (
                "Full-text search over title, summary and body (results newest first). "
                'PostgreSQL reads it as a web search (`"a phrase"`, `or`, `-word`); '
                "SQLite matches every word. E.g. `keyset pagination`."
            ),
        },
    )
