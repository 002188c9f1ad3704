"""Users plugin: accounts and profiles at /api/v1/users."""

from flask import Flask, g

from project.extensions import db, jwt
from project.users.cli import users_cli
from project.users.models import User
from project.users.routes import blp

__all__ = ["blp", "init_app", "User"]


def load_user(jwt_header: dict, jwt_payload: dict) -> User | None:
    """flask-jwt-extended's user lookup: the token's subject, if it still exists."""
    try:
        user_id = int(jwt_payload["sub"])
    except (KeyError, TypeError, ValueError):
        return None
    user = db.session.get(User, user_id)
    if user is not None:
        g.user_id = user.id
    return user


def init_app(app: Flask) -> None:
    jwt.user_lookup_loader(load_user)
    app.cli.add_command(users_cli)
