"""The auth API contract."""

import marshmallow as ma

from project.common.fields import SafeText


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
