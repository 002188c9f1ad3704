"""Posts plugin: posts at /api/v1/posts and /api/v1/users/{id}/posts.

Hooks it installs in the app (see `init_app`):
* the `tags` of every post shown, one query per page (`services.tags_of`, a
  `project.common.viewer` provider that does not depend on the viewer);
* a `user_deleting` receiver that takes the author's published posts off
  their tags' counts before ON DELETE CASCADE removes them;
* the `flask seed` command;
* the `users.post_count` counter, for `flask counters check`.
"""

from flask import Flask

from project.common import counters, viewer
from project.posts import services
from project.posts.cli import seed
from project.posts.models import Post
from project.posts.routes import blp
from project.users.models import User
from project.users.services import user_deleting

__all__ = ["blp", "init_app", "Post"]


def init_app(app: Flask) -> None:
    viewer.provide(app, Post, services.tags_of)
    # A module-level function: blinker keeps one connection however many apps.
    user_deleting.connect(services.release_authors_posts)
    app.cli.add_command(seed)
    counters.register(app, "users.post_count", User.post_count, services.ACTUAL_POST_COUNT)
