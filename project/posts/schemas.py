"""The posts API contract."""

from __future__ import annotations

import marshmallow as ma

from project.common.fields import SafeText
from project.common.pagination import PaginationQuerySchema
from project.common.viewer import viewer_field
from project.posts.models import POSTS_NEWEST_FIRST, STATUSES, PostStatus
from project.users.schemas import UserSummarySchema

TITLE = ma.validate.Length(min=1, max=200)
BODY = ma.validate.Length(min=1, max=50_000)
STATUS = ma.validate.OneOf(STATUSES)


class PostSchema(ma.Schema):
    """A post; `liked` only for an authenticated viewer.

    `comment_count` and `like_count` are kept by the comments and likes
    plugins; `liked` is their viewer field (`project.likes` provides it).
    """

    id = ma.fields.Integer(dump_only=True)
    title = ma.fields.String(dump_only=True)
    body = ma.fields.String(dump_only=True)
    status = ma.fields.String(dump_only=True, metadata={"enum": list(STATUSES)})
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
    title = SafeText(required=True, validate=TITLE)
    body = SafeText(required=True, validate=BODY)
    status = ma.fields.String(load_default=PostStatus.PUBLISHED.value, validate=STATUS)


class PostUpdateSchema(ma.Schema):
    title = SafeText(validate=TITLE)
    body = SafeText(validate=BODY)
    status = ma.fields.String(validate=STATUS)


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
