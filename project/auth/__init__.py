"""Auth plugin: tokens at /api/v1/auth, revocation checked on every request."""

from flask import Flask

from project.auth import services
from project.auth.revocation import store
from project.auth.routes import blp
from project.extensions import jwt
from project.users.services import password_changed

__all__ = ["blp", "init_app"]


def is_revoked(jwt_header: dict, jwt_payload: dict) -> bool:
    session_id = jwt_payload.get("sid")
    return not session_id or store().is_revoked(session_id)


def end_sessions_after_password_change(user, **extra) -> None:
    services.revoke_all_sessions(user)


def init_app(app: Flask) -> None:
    jwt.token_in_blocklist_loader(is_revoked)
    password_changed.connect(end_sessions_after_password_change)
