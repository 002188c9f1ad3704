"""Users as they are shown: a profile read in SQLAlchemy Core, without an ORM instance.

`GET /users/{id}` and `GET /users/me` only show what they load (see
`project.posts.reads`, the same for posts): the columns `UserSchema` shows,
the private ones its viewer provider may add (`services.PRIVATE_FIELDS`) and
the version (the ETag), never the password hash, in Core
(`project.common.reads`). A `ShownUser` stands for a `User` in `view`, also
as the viewer of its own profile.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select

from project.common.reads import Shown
from project.users.models import User

users = User.__table__

SHOWN_COLUMNS = (
    "id",
    "username",
    "email",
    "display_name",
    "bio",
    "avatar_url",
    "is_admin",
    "email_verified",
    "post_count",
    "follower_count",
    "following_count",
    "created_at",
    "updated_at",
    "version",
)
# Built once, the id bound per call (its cache key is kept on the statement).
BY_ID = select(*(users.c[name] for name in SHOWN_COLUMNS)).where(users.c.id == bindparam("user_id"))


class ShownUser(Shown):
    """A user as `UserSchema` (and its viewer provider) reads it."""

    viewed_as = User


def shown_user(user_id: int) -> ShownUser | None:
    """The user `user_id` as shown (None: no such user)."""
    return ShownUser.first(BY_ID, {"user_id": user_id})
