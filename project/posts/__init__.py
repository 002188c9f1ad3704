"""Posts plugin: posts at /api/v1/posts and /api/v1/users/{id}/posts."""

from flask import Flask

from project.posts.cli import seed
from project.posts.models import Post
from project.posts.routes import blp

__all__ = ["blp", "init_app", "Post"]


def init_app(app: Flask) -> None:
    app.cli.add_command(seed)
