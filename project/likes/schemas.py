"""The likes API contract: the query strings of the two lists (items are users and posts)."""

from __future__ import annotations

from project.common.pagination import PaginationQuerySchema
from project.likes.models import LIKED_POSTS_NEWEST_FIRST, LIKERS_NEWEST_FIRST


class LikersQuerySchema(PaginationQuerySchema):
    keyset = LIKERS_NEWEST_FIRST


class LikedPostsQuerySchema(PaginationQuerySchema):
    keyset = LIKED_POSTS_NEWEST_FIRST
