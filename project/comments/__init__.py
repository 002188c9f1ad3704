"""Comments plugin: comments at /api/v1/posts/{id}/comments and /api/v1/comments/{id}.

Hooks it installs in the app (see `init_app`):
* `posts.comment_count`, which it keeps (`project.comments.services`), in
  `flask counters check`;
* a `user_deleting` receiver taking a deleted user's comments off the counts
  of the posts they commented on.
"""

from flask import Flask

from project.comments import services
from project.comments.models import Comment
from project.comments.routes import blp
from project.common import counters
from project.posts.models import Post
from project.users.services import user_deleting

__all__ = ["blp", "init_app", "Comment"]


def init_app(app: Flask) -> None:
    counters.register(app, "posts.comment_count", Post.comment_count, services.ACTUAL_COMMENT_COUNT)
    # Module-level and strongly held: connecting again (another app) is a no-op.
    user_deleting.connect(services.fix_counts_for_deleted_user, weak=False)
