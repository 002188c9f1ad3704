"""/api/v1/posts/{id}/like, /api/v1/posts/{id}/likes and /api/v1/users/{id}/likes."""

from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import current_user

from project.common.auth import auth_required, viewer
from project.common.blueprint import Blueprint
from project.common.fields import ID
from project.common.response_cache import cached, not_shareable
from project.common.viewer import view
from project.likes import services
from project.likes.schemas import LikedPostsQuerySchema, LikersQuerySchema
from project.posts.schemas import PostSchema
from project.posts.services import is_public, shown_post
from project.users.schemas import UserSchema

blp = Blueprint("likes", __name__, url_prefix="/api/v1", description="Likes of posts")


@blp.route(f"/posts/<{ID}:post_id>/like")
class PostLike(MethodView):
    @auth_required(blp)
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    def put(self, post_id):
        """Like a post (again: no change)"""
        services.like_post(post_id=post_id, user=current_user)

    @auth_required(blp)
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    def delete(self, post_id):
        """Unlike a post (not liked: no change)"""
        services.unlike_post(post_id=post_id, user=current_user)


@blp.route(f"/posts/<{ID}:post_id>/likes")
class PostLikers(MethodView):
    @auth_required(blp, optional=True)
    @cached("post:{post_id}", "users")
    @blp.arguments(LikersQuerySchema, location="query")
    @blp.page_response(UserSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, query, post_id):
        """List who liked a post, most recent first"""
        post = shown_post(post_id, viewer())
        if not is_public(post):
            not_shareable()
        return view(services.list_likers(post_id=post.id, page=query["page"]), viewer())


@blp.route(f"/users/<{ID}:user_id>/likes")
class UserLikes(MethodView):
    @auth_required(blp, optional=True)
    @cached("posts")
    @blp.arguments(LikedPostsQuerySchema, location="query")
    @blp.page_response(PostSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, query, user_id):
        """List the published posts a user liked, most recently liked first"""
        return view(services.list_liked_posts(user_id=user_id, page=query["page"]), viewer())
