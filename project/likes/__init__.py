"""Likes plugin: /api/v1/posts/{id}/like, /api/v1/posts/{id}/likes, /api/v1/users/{id}/likes.

Hooks it installs in the app (see `init_app`):
* the viewer provider of `Post`'s `liked` (`project.common.viewer`);
* `posts.like_count`, which it keeps (`project.likes.services`), in
  `flask counters check`;
* a `user_deleting` receiver taking a deleted user's likes off the counts of
  the posts they liked;
* the likes step of `flask seed` (`project.likes.seed`).
"""

from flask import Flask

from project.common import counters, seeding, viewer
from project.likes import services
from project.likes.models import Like
from project.likes.routes import blp
from project.likes.seed import seed_likes
from project.posts.models import Post
from project.users.services import user_deleting

__all__ = ["blp", "init_app", "Like"]


def init_app(app: Flask) -> None:
    # Nobody has liked a post the request itself created.
    viewer.provide(app, Post, services.liked_fields, new={"liked": False})
    counters.register(app, "posts.like_count", Post.like_count, services.ACTUAL_LIKE_COUNT)
    # Module-level and strongly held: connecting again (another app) is a no-op.
    user_deleting.connect(services.fix_counts_for_deleted_user, weak=False)
    seeding.register(app, "likes", seed_likes, order=50)
