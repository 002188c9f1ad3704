"""The users API contract: what goes in and what comes out."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import marshmallow as ma

from project.common.fields import SafeEmail, SafeText, StrictBoolean
from project.common.pagination import PaginationQuerySchema
from project.common.schema import Schema
from project.common.viewer import viewer_field
from project.users.identity import MAX_KEY_LENGTH, identity_key
from project.users.models import USERS_MOST_POSTS, USERS_NEWEST_FIRST


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
# An absolute http(s) URL in printable ASCII: a host name or IPv4 address (no
# user:password@), an optional port, then path, query and fragment. A pattern
# rather than a URL parser, so the spec states exactly what is accepted.
AVATAR_URL = (
    ma.validate.Length(max=500),
    FullMatch(
        r"^https?://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?([/?#][!-~]*)?$",
        error="Must be an http or https URL.",
    ),
)
AVATAR_URL_METADATA = {
    "description": "An absolute http or https URL; null removes it.",
    "example": "https://images.example.com/alice.png",
}


class UserSchema(Schema):
    """A user; `email` and `is_admin` only when the viewer is the user or an admin.

    Those two come from the viewer's extras (`project.common.viewer`), filled
    by `project.users.services.private_fields`; `is_followed` (authenticated
    viewers only) by `project.follows.services.followed_fields`. The follows
    plugin also maintains `follower_count` and `following_count`.
    """

    id = ma.fields.Integer(dump_only=True)
    username = ma.fields.String(dump_only=True)
    email = viewer_field(
        ma.fields.String,
        metadata={"description": "Only shown to the user themself and to admins."},
    )
    display_name = ma.fields.String(dump_only=True, allow_none=True)
    bio = ma.fields.String(dump_only=True, allow_none=True)
    avatar_url = ma.fields.String(dump_only=True, allow_none=True)
    is_admin = viewer_field(
        ma.fields.Boolean,
        metadata={"description": "Only shown to the user themself and to admins."},
    )
    email_verified = viewer_field(
        ma.fields.Boolean,
        metadata={"description": "The email was confirmed by mail. Only shown like `email`."},
    )
    post_count = ma.fields.Integer(dump_only=True, metadata={"description": "Published posts."})
    follower_count = ma.fields.Integer(dump_only=True, metadata={"description": "Followers."})
    following_count = ma.fields.Integer(
        dump_only=True, metadata={"description": "Users this user follows."}
    )
    is_followed = viewer_field(
        ma.fields.Boolean,
        metadata={"description": "Whether you follow this user; only with a bearer token."},
    )
    created_at = ma.fields.AwareDateTime(dump_only=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True)


class UserSummarySchema(Schema):
    """How a user appears inside other resources (e.g. a post's author)."""

    id = ma.fields.Integer(dump_only=True)
    username = ma.fields.String(dump_only=True)


class UserCreateSchema(ma.Schema):
    username = SafeText(required=True, validate=USERNAME, metadata={"example": "alice"})
    email = SafeEmail(required=True, validate=EMAIL, metadata={"example": "alice@example.com"})
    password = SafeText(
        required=True, load_only=True, validate=PASSWORD, metadata={"example": "correct horse"}
    )
    display_name = SafeText(
        validate=ma.validate.Length(max=50), allow_none=True, metadata={"example": "Alice"}
    )
    bio = SafeText(
        validate=ma.validate.Length(max=500),
        allow_none=True,
        metadata={"example": "Writes about databases."},
    )
    avatar_url = SafeText(validate=AVATAR_URL, allow_none=True, metadata=AVATAR_URL_METADATA)


class UserUpdateSchema(ma.Schema):
    email = SafeEmail(validate=EMAIL, metadata={"example": "alice@example.org"})
    display_name = SafeText(
        validate=ma.validate.Length(max=50), allow_none=True, metadata={"example": "Alice L."}
    )
    bio = SafeText(
        validate=ma.validate.Length(max=500),
        allow_none=True,
        metadata={"example": "Writes about databases and queues."},
    )
    avatar_url = SafeText(validate=AVATAR_URL, allow_none=True, metadata=AVATAR_URL_METADATA)
    password = SafeText(load_only=True, validate=PASSWORD, metadata={"example": "battery staple"})
    current_password = SafeText(
        load_only=True,
        validate=ma.validate.Length(max=128),
        metadata={
            "description": "Required to change your own password.",
            "example": "correct horse",
        },
    )
    is_admin = StrictBoolean(metadata={"description": "Admins only.", "example": False})


class UTCDateTime(ma.fields.AwareDateTime):
    """An ISO 8601 timestamp with an offset, converted to UTC (422 if that leaves the calendar)."""

    default_error_messages = {"range": "Out of range once converted to UTC."}

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)
        except OverflowError as exc:  # year 1 at +14:00 falls before year 1 in UTC
            raise self.make_error("range") from exc


SORTS = {"-created_at": USERS_NEWEST_FIRST, "-post_count": USERS_MOST_POSTS}


class UserQuerySchema(PaginationQuerySchema):
    keyset = USERS_NEWEST_FIRST

    q = SafeText(
        validate=ma.validate.Length(min=1, max=20),
        metadata={"description": "Username prefix, case-insensitive."},
    )
    sort = ma.fields.String(
        load_default="-created_at",
        validate=ma.validate.OneOf(SORTS),
        metadata={
            "description": "`-created_at` (newest first) or `-post_count` (most published "
            "posts first; ties newest account first). The cursor belongs to its sort."
        },
    )
    created_after = UTCDateTime(
        metadata={
            "description": "Only accounts created at or after this time,"
            " e.g. `2024-01-01T00:00:00Z`.",
        }
    )
    created_before = UTCDateTime(
        metadata={
            "description": "Only accounts created before this time, e.g. `2025-01-01T00:00:00Z`.",
        }
    )

    def keyset_for(self, data: dict[str, Any]) -> Any:
        return SORTS[data["sort"]]
