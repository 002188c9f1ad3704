"""The follows API contract: list queries (the items are `UserSchema` and `PostSchema`)."""

from __future__ import annotations

from project.common.pagination import PaginationQuerySchema
from project.follows.models import FOLLOWS_NEWEST_FIRST
from project.posts.models import POSTS_NEWEST_FIRST


class FollowListQuerySchema(PaginationQuerySchema):
    keyset = FOLLOWS_NEWEST_FIRST


class FeedQuerySchema(PaginationQuerySchema):
    keyset = POSTS_NEWEST_FIRST
