"""Comments plugin: comments at /api/v1/posts/{id}/comments and /api/v1/comments/{id}.

Hooks it installs in the app (see `init_app`):
* `posts.comment_count`, which it keeps (`project.comments.services`), in
  `flask counters check`;
* a `user_deleting` receiver taking a deleted user's comments off the counts
  of the posts they commented on;
* which cached answers a written comment changes (`services.cache_keys`);
* the comments step of `flask seed` (`project.comments.seed`).
"""

from flask import Flask

from project.comments import services
from project.comments.models import Comment
from project.comments.routes import blp
from project.comments.seed import seed_comments
from project.common import counters, invalidation, seeding
from project.posts.models import Post
from project.users.services import user_deleting

__all__ = ["blp", "init_app", "Comment"]


def init_app(app: Flask) -> None:
    invalidation.invalidate_on(Comment, services.cache_keys)
    counters.register(app, "posts.comment_count", Post.comment_count, services.ACTUAL_COMMENT_COUNT)
    # Module-level and strongly held: connecting again (another app) is a no-op.
    user_deleting.connect(services.fix_counts_for_deleted_user, weak=False)
    seeding.register(app, "comments", seed_comments, order=60)
