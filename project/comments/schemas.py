"""The comments API contract."""

from __future__ import annotations

import marshmallow as ma

from project.comments.models import COMMENTS_OLDEST_FIRST
from project.common.fields import SafeText
from project.common.pagination import PaginationQuerySchema
from project.common.schema import Schema
from project.users.schemas import UserSummarySchema

BODY = ma.validate.Length(min=1, max=10_000)


class CommentSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    post_id = ma.fields.Integer(dump_only=True)
    body = ma.fields.String(dump_only=True)
    author = ma.fields.Nested(UserSummarySchema, dump_only=True)
    created_at = ma.fields.AwareDateTime(dump_only=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)


class CommentCreateSchema(ma.Schema):
    body = SafeText(required=True, validate=BODY, metadata={"example": "Well put, thank you."})


class CommentUpdateSchema(ma.Schema):
    body = SafeText(validate=BODY, metadata={"example": "Well put (edited)."})


class CommentQuerySchema(PaginationQuerySchema):
    keyset = COMMENTS_OLDEST_FIRST
