"""Users plugin: accounts and profiles at /api/v1/users.

Hooks it installs in the app (see `init_app`):
* the token user loader (`project.common.auth.TokenHooks.load_user`);
* the viewer provider of `User`'s private fields (`project.common.viewer`);
* which cached answers a written user changes (`services.cache_keys`);
* the `flask users` commands;
* the users step of `flask seed` (`project.users.seed`).
"""

from flask import Flask

from project.common import invalidation, seeding, viewer
from project.common.auth import token_hooks, token_user
from project.users import services
from project.users.cli import users_cli
from project.users.models import User
from project.users.routes import blp
from project.users.seed import seed_users

__all__ = ["blp", "init_app", "User"]


def load_user(jwt_payload: dict) -> User | None:
    """The token's subject, if it still exists (its row read on first use)."""
    try:
        user_id = int(jwt_payload["sub"])
    except (KeyError, TypeError, ValueError):
        return None
    return token_user(user_id, services.find_user)


def init_app(app: Flask) -> None:
    token_hooks(app).load_user = load_user
    viewer.provide(app, User, services.private_fields)
    invalidation.invalidate_on(User, services.cache_keys)
    app.cli.add_command(users_cli)
    seeding.register(app, "users", seed_users, order=10)
