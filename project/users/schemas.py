"""The users API contract: what goes in and what comes out."""

from __future__ import annotations

import marshmallow as ma

from project.common.fields import SafeEmail, SafeText, StrictBoolean
from project.common.pagination import PaginationQuerySchema
from project.common.viewer import viewer_field
from project.users.identity import MAX_KEY_LENGTH, identity_key
from project.users.models import USERS_NEWEST_FIRST


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


def email_key_fits(value: str) -> None:
    """Normalising can lengthen text (`ß` is `ss`); the stored key must fit its column."""
    if len(identity_key(value)) > MAX_KEY_LENGTH:
        raise ma.ValidationError(f"Longer than {MAX_KEY_LENGTH} characters once normalised.")


EMAIL = [ma.validate.Length(max=254), email_key_fits]


class UserSchema(ma.Schema):
    """A user; `email` and `is_admin` only when the viewer is the user or an admin.

    Those two come from the viewer's extras (`project.common.viewer`), filled
    by `project.users.services.private_fields`.
    """

    id = ma.fields.Integer(dump_only=True)
    username = ma.fields.String(dump_only=True)
    email = viewer_field(
        ma.fields.String,
        metadata={"description": "Only shown to the user themself and to admins."},
    )
    display_name = ma.fields.String(dump_only=True, allow_none=True)
    bio = ma.fields.String(dump_only=True, allow_none=True)
    is_admin = viewer_field(
        ma.fields.Boolean,
        metadata={"description": "Only shown to the user themself and to admins."},
    )
    post_count = ma.fields.Integer(dump_only=True, metadata={"description": "Published posts."})
    created_at = ma.fields.AwareDateTime(dump_only=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)


class UserSummarySchema(ma.Schema):
    """How a user appears inside other resources (e.g. a post's author)."""

    id = ma.fields.Integer(dump_only=True)
    username = ma.fields.String(dump_only=True)


class UserCreateSchema(ma.Schema):
    username = SafeText(required=True, validate=USERNAME)
    email = SafeEmail(required=True, validate=EMAIL)
    password = SafeText(required=True, load_only=True, validate=PASSWORD)
    display_name = SafeText(validate=ma.validate.Length(max=50), allow_none=True)
    bio = SafeText(validate=ma.validate.Length(max=500), allow_none=True)


class UserUpdateSchema(ma.Schema):
    email = SafeEmail(validate=EMAIL)
    display_name = SafeText(validate=ma.validate.Length(max=50), allow_none=True)
    bio = SafeText(validate=ma.validate.Length(max=500), allow_none=True)
    password = SafeText(load_only=True, validate=PASSWORD)
    current_password = SafeText(
        load_only=True,
        validate=ma.validate.Length(max=128),
        metadata={"description": "Required to change your own password."},
    )
    is_admin = StrictBoolean(metadata={"description": "Admins only."})


class UserQuerySchema(PaginationQuerySchema):
    keyset = USERS_NEWEST_FIRST

    q = SafeText(
        validate=ma.validate.Length(min=1, max=20),
        metadata={"description": "Username prefix, case-insensitive."},
    )
