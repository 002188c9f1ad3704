"""Posts plugin: posts at /api/v1/posts and /api/v1/users/{id}/posts."""

from flask import Flask

from project.common import counters
from project.posts import services
from project.posts.cli import seed
from project.posts.models import Post
from project.posts.routes import blp
from project.users.models import User

__all__ = ["blp", "init_app", "Post"]


def init_app(app: Flask) -> None:
    app.cli.add_command(seed)
    counters.register(app, "users.post_count", User.post_count, services.ACTUAL_POST_COUNT)
