"""Token helpers for the auth tests: reading, forging and presenting tokens."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
import sqlalchemy as sa

from project.extensions import db
from project.users.models import User
from tests.kit import ME, REFRESH, bearer


def claims(app, token: str) -> dict[str, Any]:
    """A token's verified claims."""
    return jwt.decode(token, app.config["JWT_SECRET_KEY"], algorithms=["HS256"])


def encode(payload: dict[str, Any], key: str, algorithm: str = "HS256") -> str:
    return jwt.encode(payload, key, algorithm=algorithm)


def b64url(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unsigned(payload: dict[str, Any], alg: str = "none") -> str:
    """A token with `alg` in its header and no signature at all."""
    return f"{b64url({'alg': alg, 'typ': 'JWT'})}.{b64url(payload)}."


def forget_users(instance, *usernames: str) -> None:
    """Delete users (and, by cascade, their sessions and posts) for real."""
    with instance.app_context():
        db.session.execute(
            sa.delete(User).where(sa.func.lower(User.username).in_([n.lower() for n in usernames]))
        )
        db.session.commit()


def me(client, token: str):
    """GET /users/me with `token` as the bearer."""
    return client.get(ME, headers=bearer(token))


def refresh(client, token: str):
    """POST /auth/refresh with `token` as the bearer."""
    return client.post(REFRESH, headers=bearer(token))
