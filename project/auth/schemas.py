"""The auth API contract."""

import marshmallow as ma

from project.auth.models import SESSIONS_NEWEST_FIRST
from project.common.fields import SafeEmail, SafeText
from project.common.pagination import PaginationQuerySchema
from project.users.schemas import EMAIL, PASSWORD


class LoginSchema(ma.Schema):
    login = SafeText(
        required=True,
        validate=ma.validate.Length(min=1, max=254),
        metadata={"description": "Username or email.", "example": "alice"},
    )
    password = SafeText(
        required=True,
        load_only=True,
        validate=ma.validate.Length(min=1, max=128),
        metadata={"example": "correct horse"},
    )


class TokenSchema(ma.Schema):
    access_token = ma.fields.String(required=True)
    refresh_token = ma.fields.String(required=True)
    token_type = ma.fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = ma.fields.Integer(
        required=True, metadata={"description": "Access token lifetime in seconds."}
    )


class LogoutSchema(ma.Schema):
    refresh_token = SafeText(
        validate=ma.validate.Length(max=4096),
        metadata={
            "description": "Also revoke this refresh token's session.",
            "example": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0eXBlIjoicmVmcmVzaCJ9.c2lnbmF0dXJl",
        },
    )


class SessionSchema(ma.Schema):
    id = ma.fields.String(
        required=True, metadata={"example": "0b6f3c1e-6a53-4c1f-9d7e-3f6f1b2a9c44"}
    )
    created_at = ma.fields.AwareDateTime(required=True, metadata={"description": "The login."})
    last_used_at = ma.fields.AwareDateTime(
        required=True,
        allow_none=True,
        metadata={"description": "When a token of the session was last used (to the minute)."},
    )
    user_agent = ma.fields.String(
        required=True, allow_none=True, metadata={"example": "Mozilla/5.0 (X11; Linux x86_64)"}
    )
    client_address = ma.fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The client's IP address at login.", "example": "203.0.113.7"},
    )
    current = ma.fields.Boolean(
        required=True, metadata={"description": "True for the session of the presented token."}
    )


class SessionQuerySchema(PaginationQuerySchema):
    keyset = SESSIONS_NEWEST_FIRST


TOKEN = ma.validate.Length(min=1, max=200)


def mailed_token() -> SafeText:
    """The single-use token a password-reset or verification mail carries."""
    return SafeText(
        required=True,
        validate=TOKEN,
        metadata={
            "description": "From the mail.",
            "example": "Vq3v0m1o6bq9yA2zRk4hPZzvJ1uQfX2c8s5yQmN0aLk",
        },
    )


class PasswordResetSchema(ma.Schema):
    email = SafeEmail(required=True, validate=EMAIL, metadata={"example": "alice@example.com"})


class PasswordResetConfirmSchema(ma.Schema):
    token = mailed_token()
    password = SafeText(
        required=True,
        load_only=True,
        validate=PASSWORD,
        metadata={"example": "battery staple"},
    )


class VerifyEmailSchema(ma.Schema):
    token = mailed_token()


class AcceptedSchema(ma.Schema):
    detail = ma.fields.String(
        required=True,
        metadata={"example": "If this address belongs to an account, a mail is on its way."},
    )
