"""Posts plugin: posts at /api/v1/posts and /api/v1/users/{id}/posts.

Hooks it installs in the app (see `init_app`):
* the `tags` of every post shown, one query per page (`services.tags_of`, a
  shared `project.common.viewer` provider: the same for every viewer);
* which cached answers a written post changes (`services.cache_keys`, see
  `project.common.invalidation`);
* a `user_deleting` receiver that takes the author's published posts off
  their tags' counts before ON DELETE CASCADE removes them;
* the posts and tags steps of `flask seed` (`project.posts.seed`);
* the `users.post_count` and `tags.post_count` counters, for `flask counters check`
  (tags keeps its count, but only posts knows which posts are published).
"""

from flask import Flask

from project.common import counters, invalidation, seeding, viewer
from project.posts import services
from project.posts.models import Post
from project.posts.routes import blp
from project.posts.seed import seed_posts, seed_tags
from project.tags.models import Tag
from project.users.models import User
from project.users.services import user_deleting

__all__ = ["blp", "init_app", "Post"]


def init_app(app: Flask) -> None:
    viewer.provide(app, Post, services.tags_of, shared=True)
    invalidation.invalidate_on(Post, services.cache_keys)
    # A module-level function: blinker keeps one connection however many apps.
    user_deleting.connect(services.release_authors_posts)
    seeding.register(app, "posts", seed_posts, order=20)
    seeding.register(app, "tags", seed_tags, order=30)
    counters.register(app, "users.post_count", User.post_count, services.ACTUAL_POST_COUNT)
    counters.register(app, "tags.post_count", Tag.post_count, services.ACTUAL_TAG_POST_COUNT)
