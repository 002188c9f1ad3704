"""Minting and reading JWTs: the one module that knows flask-jwt-extended's
token functions and the lifetimes in config (JWT_*_TOKEN_EXPIRES).

Services call it with plain values, so they need no app config of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt.exceptions import PyJWTError


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"


def refresh_lifetime() -> timedelta:
    """How long a refresh token, and so a session, lives."""
    return current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]


def reuse_interval() -> timedelta:
    """How soon a spent refresh token may come again for the same successor."""
    return timedelta(seconds=current_app.config["JWT_REFRESH_REUSE_INTERVAL"])


def mint_pair(
    *,
    user_id: int,
    session_id: str,
    refresh_jti: str,
    refresh_expires_at: datetime | None = None,
) -> TokenPair:
    """An access + refresh pair in a session; both carry its id (`sid`).

    The refresh token expires after JWT_REFRESH_TOKEN_EXPIRES, or at
    `refresh_expires_at` when it re-issues a recorded token.
    """
    claims = {"sid": session_id}
    identity = str(user_id)
    expires_delta = None
    if refresh_expires_at is not None:
        expires_delta = max(refresh_expires_at - datetime.now(UTC), timedelta(seconds=1))
    return TokenPair(
        access_token=create_access_token(identity=identity, additional_claims=claims),
        refresh_token=create_refresh_token(
            identity=identity,
            additional_claims={**claims, "jti": refresh_jti},
            expires_delta=expires_delta,
        ),
        expires_in=int(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds()),
    )


def read_claims(token: str) -> dict | None:
    """A token's verified claims, or None when it is not a valid token of ours."""
    try:
        return decode_token(token)
    except (PyJWTError, JWTExtendedException):
        return None
