"""The RealWorld contract: `{"user": ...}`, `{"article": ...}` and the rest, in its words.

Field rules are Postwell's (`project.users.schemas`, `project.posts.schemas`,
`project.tags.schemas`, `project.comments.schemas`), with RealWorld's
conventions on top:

* an empty or missing required value is `can't be blank` (the suite reads
  that message);
* an empty `bio` or `image` means none: stored and returned as null;
* unknown properties are ignored, as RealWorld front ends send extra ones
  (an article's own `slug`, a settings form's empty `password`...).
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

import marshmallow as ma

from project.comments.schemas import BODY as COMMENT_BODY
from project.common.fields import MAX_ID, SafeEmail, SafeText
from project.common.pagination import DEFAULT_LIMIT, MAX_LIMIT
from project.posts.schemas import BODY, SUMMARY, TITLE
from project.tags.schemas import TagList
from project.users.schemas import AVATAR_URL, EMAIL, PASSWORD, USERNAME

BLANK = "can't be blank"
BLANK_MESSAGES = {"required": BLANK, "null": BLANK, "blank": BLANK}


class Envelope(ma.Schema):
    """A request body: one object under its resource's name; extra properties ignored."""

    class Meta:
        unknown = ma.EXCLUDE


class Fields(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE


class _NotBlank:
    """An empty string, null or a missing required value is `can't be blank`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["error_messages"] = {**BLANK_MESSAGES, **kwargs.get("error_messages", {})}
        super().__init__(*args, **kwargs)
        # The spec says so too, unless a longer minimum is documented already.
        if not any(isinstance(rule, ma.validate.Length) and rule.min for rule in self.validators):
            self.metadata = {"minLength": 1, **self.metadata}

    def _deserialize(self, value, attr, data, **kwargs):
        if value == "":
            raise self.make_error("blank")
        return super()._deserialize(value, attr, data, **kwargs)


class Text(_NotBlank, SafeText):
    """Text that must not be empty."""


class Email(_NotBlank, SafeEmail):
    """An email address that must not be empty."""


class EmptyIsNull(SafeText):
    """Text where `""` means none: loaded as None, so stored as NULL."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_none=True, **kwargs)

    def deserialize(self, value: Any, attr=None, data=None, **kwargs: Any) -> Any:
        return super().deserialize(None if value == "" else value, attr, data, **kwargs)


class Timestamp(ma.fields.DateTime):
    """ISO 8601 in UTC with milliseconds and `Z`, as the spec's examples and JavaScript write it."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- users ---------------------------------------------------------------------


class ConduitLoginFields(Fields):
    email = Text(
        required=True, validate=ma.validate.Length(max=254), metadata={"example": "jake@jake.jake"}
    )
    password = Text(
        required=True,
        load_only=True,
        validate=ma.validate.Length(max=128),
        metadata={"example": "jakejake"},
    )


class ConduitLoginSchema(Envelope):
    user = ma.fields.Nested(ConduitLoginFields, required=True, error_messages=BLANK_MESSAGES)


class ConduitRegistrationFields(Fields):
    username = Text(required=True, validate=USERNAME, metadata={"example": "jake"})
    email = Email(required=True, validate=EMAIL, metadata={"example": "jake@jake.jake"})
    password = Text(
        required=True, load_only=True, validate=PASSWORD, metadata={"example": "jakejake"}
    )


class ConduitRegistrationSchema(Envelope):
    user = ma.fields.Nested(ConduitRegistrationFields, required=True, error_messages=BLANK_MESSAGES)


class ConduitUserUpdateFields(Fields):
    username = Text(validate=USERNAME, metadata={"example": "jacob"})
    email = Email(validate=EMAIL, metadata={"example": "jake@jake.jake"})
    password = SafeText(
        load_only=True,
        validate=PASSWORD,
        metadata={
            "description": "A new password; the token is proof enough. Empty: unchanged.",
            "example": "jakejakejake",
        },
    )
    bio = EmptyIsNull(
        validate=ma.validate.Length(max=500), metadata={"example": "I like to skateboard"}
    )
    image = EmptyIsNull(
        validate=AVATAR_URL,
        metadata={
            "description": "An http(s) URL.",
            "example": "https://i.stack.imgur.com/xHWG8.jpg",
        },
    )

    @ma.pre_load
    def empty_password_is_unchanged(self, data: Any, **kwargs: Any) -> Any:
        """Settings forms send `"password": ""` when the user typed none."""
        if isinstance(data, dict) and data.get("password") == "":
            data = {key: value for key, value in data.items() if key != "password"}
        return data


class ConduitUserUpdateSchema(Envelope):
    user = ma.fields.Nested(ConduitUserUpdateFields, required=True, error_messages=BLANK_MESSAGES)


class ConduitUserSchema(ma.Schema):
    email = ma.fields.String(required=True)
    token = ma.fields.String(required=True)
    username = ma.fields.String(required=True)
    bio = ma.fields.String(required=True, allow_none=True)
    image = ma.fields.String(required=True, allow_none=True)


class ConduitUserEnvelope(ma.Schema):
    user = ma.fields.Nested(ConduitUserSchema, required=True)


class ConduitProfileSchema(ma.Schema):
    username = ma.fields.String(required=True)
    bio = ma.fields.String(required=True, allow_none=True)
    image = ma.fields.String(required=True, allow_none=True)
    following = ma.fields.Boolean(required=True)


class ConduitProfileEnvelope(ma.Schema):
    profile = ma.fields.Nested(ConduitProfileSchema, required=True)


# --- articles ------------------------------------------------------------------

TAGS_DESCRIPTION = (
    "Up to 10 tags (letters, digits, underscores, single hyphens; stored lower-cased). "
    "On update: omitted keeps the tags, [] removes them all."
)


class ConduitArticleCreateFields(Fields):
    title = Text(required=True, validate=TITLE, metadata={"example": "How to train your dragon"})
    description = Text(required=True, validate=SUMMARY, metadata={"example": "Ever wonder how?"})
    body = Text(required=True, validate=BODY, metadata={"example": "You have to believe"})
    tag_list = TagList(
        data_key="tagList",
        load_default=list,
        metadata={"description": TAGS_DESCRIPTION, "example": ["reactjs", "angularjs", "dragons"]},
    )


class ConduitArticleCreateSchema(Envelope):
    article = ma.fields.Nested(
        ConduitArticleCreateFields, required=True, error_messages=BLANK_MESSAGES
    )


class ConduitArticleUpdateFields(Fields):
    title = Text(validate=TITLE, metadata={"example": "Did you train your dragon?"})
    description = Text(validate=SUMMARY, metadata={"example": "A follow-up"})
    body = Text(validate=BODY, metadata={"example": "With two hands"})
    tag_list = TagList(
        data_key="tagList", metadata={"description": TAGS_DESCRIPTION, "example": ["dragons"]}
    )


class ConduitArticleUpdateSchema(Envelope):
    article = ma.fields.Nested(
        ConduitArticleUpdateFields, required=True, error_messages=BLANK_MESSAGES
    )


class ConduitArticleListItemSchema(ma.Schema):
    """An article in a list: everything but its body (RealWorld's rule since 2024)."""

    slug = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    description = ma.fields.String(required=True, attribute="summary")
    tagList = ma.fields.List(ma.fields.String(), required=True, attribute="tag_list")
    createdAt = Timestamp(required=True, attribute="created_at")
    updatedAt = Timestamp(required=True, attribute="updated_at")
    favorited = ma.fields.Boolean(required=True)
    favoritesCount = ma.fields.Integer(required=True, attribute="like_count")
    author = ma.fields.Nested(ConduitProfileSchema, required=True)


class ConduitArticleSchema(ConduitArticleListItemSchema):
    body = ma.fields.String(required=True)


class ConduitArticleEnvelope(ma.Schema):
    article = ma.fields.Nested(ConduitArticleSchema, required=True)


class ConduitArticlesEnvelope(ma.Schema):
    articles = ma.fields.List(ma.fields.Nested(ConduitArticleListItemSchema), required=True)
    articlesCount = ma.fields.Integer(
        required=True, metadata={"description": "How many articles the filter matches in all."}
    )


class ConduitFeedQuerySchema(ma.Schema):
    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=ma.validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"Page size, 1 to {MAX_LIMIT}."},
    )
    offset = ma.fields.Integer(
        load_default=0,
        validate=ma.validate.Range(min=0, max=MAX_ID),
        metadata={"description": "Articles to skip."},
    )


class ConduitArticleQuerySchema(ConduitFeedQuerySchema):
    tag = SafeText(validate=ma.validate.Length(max=100), metadata={"description": "Tag name."})
    author = SafeText(validate=ma.validate.Length(max=100), metadata={"description": "Username."})
    favorited = SafeText(
        validate=ma.validate.Length(max=100),
        metadata={"description": "Only articles this user (a username) favourited."},
    )


# --- comments and tags ---------------------------------------------------------


class ConduitCommentCreateFields(Fields):
    body = Text(required=True, validate=COMMENT_BODY, metadata={"example": "It takes a Jacobian"})


class ConduitCommentCreateSchema(Envelope):
    comment = ma.fields.Nested(
        ConduitCommentCreateFields, required=True, error_messages=BLANK_MESSAGES
    )


class ConduitCommentSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    createdAt = Timestamp(required=True, attribute="created_at")
    updatedAt = Timestamp(required=True, attribute="updated_at")
    body = ma.fields.String(required=True)
    author = ma.fields.Nested(ConduitProfileSchema, required=True)


class ConduitCommentEnvelope(ma.Schema):
    comment = ma.fields.Nested(ConduitCommentSchema, required=True)


class ConduitCommentsEnvelope(ma.Schema):
    comments = ma.fields.List(ma.fields.Nested(ConduitCommentSchema), required=True)


class ConduitTagsEnvelope(ma.Schema):
    tags = ma.fields.List(ma.fields.String(), required=True)


class ConduitErrorsSchema(ma.Schema):
    """RealWorld's error body: messages by field, or by the resource concerned."""

    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        required=True,
        metadata={"example": {"title": [BLANK]}},
    )
