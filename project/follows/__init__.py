"""Follows plugin: following users, followers/following lists, and the feed.

Routes: PUT/DELETE /api/v1/users/{id}/follow, GET /api/v1/users/{id}/followers
and /following, GET /api/v1/feed.

Hooks it installs in the app (see `init_app`):
* the viewer provider of `User.is_followed` (`project.common.viewer`);
* a receiver of `project.users.services.user_deleting` that fixes the follow
  counters of the deleted user's followers and followees;
* `users.follower_count` and `users.following_count` in `flask counters check`;
* the follows step of `flask seed` (`project.follows.seed`).

It maintains `users.follower_count` and `users.following_count`
(`project.follows.services`).
"""

from flask import Flask

from project.common import counters, seeding, viewer
from project.follows import services
from project.follows.models import Follow
from project.follows.routes import blp
from project.follows.seed import seed_follows
from project.users.models import User
from project.users.services import user_deleting

__all__ = ["blp", "init_app", "Follow"]


def init_app(app: Flask) -> None:
    viewer.provide(app, User, services.followed_fields)
    user_deleting.connect(services.forget_user)
    counters.register(
        app, "users.follower_count", User.follower_count, services.ACTUAL_FOLLOWER_COUNT
    )
    counters.register(
        app, "users.following_count", User.following_count, services.ACTUAL_FOLLOWING_COUNT
    )
    seeding.register(app, "follows", seed_follows, order=40)
