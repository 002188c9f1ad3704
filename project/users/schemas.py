"""The users API contract: what goes in and what comes out."""

from __future__ import annotations

import marshmallow as ma

from project.common.fields import Boolean, Email, Text
from project.common.pagination import PaginationQuerySchema, page_schema
from project.users.services import can_see_private_fields


class FullMatch(ma.validate.Regexp):
    """`Regexp` on the whole value: Python's `$` also matches before a final newline."""

    def __call__(self, value: str) -> str:
        if self.regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


USERNAME = FullMatch(
    r"^[A-Za-z0-9_]{3,20}$",
    error="3 to 20 letters, digits or underscores.",
)
PASSWORD = ma.validate.Length(min=8, max=128)


class UserSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    username = ma.fields.String(dump_only=True)
    email = ma.fields.String(
        dump_only=True,
        metadata={"description": "Only shown to the user themself and to admins."},
    )
    display_name = ma.fields.String(dump_only=True, allow_none=True)
    bio = ma.fields.String(dump_only=True, allow_none=True)
    is_admin = ma.fields.Boolean(
        dump_only=True,
        metadata={"description": "Only shown to the user themself and to admins."},
    )
    post_count = ma.fields.Integer(dump_only=True, metadata={"description": "Published posts."})
    created_at = ma.fields.AwareDateTime(dump_only=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)

    @ma.post_dump(pass_original=True)
    def hide_private_fields(self, data, user, **kwargs):
        if not can_see_private_fields(user):
            data.pop("email", None)
            data.pop("is_admin", None)
        return data


class UserSummarySchema(ma.Schema):
    """How a user appears inside other resources (e.g. a post's author)."""

    id = ma.fields.Integer(dump_only=True)
    username = ma.fields.String(dump_only=True)


class UserCreateSchema(ma.Schema):
    username = Text(required=True, validate=USERNAME)
    email = Email(required=True, validate=ma.validate.Length(max=254))
    password = Text(required=True, load_only=True, validate=PASSWORD)
    display_name = Text(validate=ma.validate.Length(max=50), allow_none=True)
    bio = Text(validate=ma.validate.Length(max=500), allow_none=True)


class UserUpdateSchema(ma.Schema):
    email = Email(validate=ma.validate.Length(max=254))
    display_name = Text(validate=ma.validate.Length(max=50), allow_none=True)
    bio = Text(validate=ma.validate.Length(max=500), allow_none=True)
    password = Text(load_only=True, validate=PASSWORD)
    current_password = Text(
        load_only=True,
        validate=ma.validate.Length(max=128),
        metadata={"description": "Required to change your own password."},
    )
    is_admin = Boolean(metadata={"description": "Admins only."})


class UserQuerySchema(PaginationQuerySchema):
    q = Text(
        validate=ma.validate.Length(min=1, max=20),
        metadata={"description": "Username prefix, case-insensitive."},
    )


UserPageSchema = page_schema(UserSchema, "UserPage")
