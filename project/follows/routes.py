"""/api/v1/users/{id}/follow, /followers, /following, and /api/v1/feed."""

from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import current_user

from project.common.auth import auth_required, viewer
from project.common.blueprint import Blueprint
from project.common.fields import ID
from project.common.response_cache import cached
from project.common.viewer import view
from project.follows import services
from project.follows.schemas import FeedQuerySchema, FollowListQuerySchema
from project.posts.schemas import PostSchema
from project.users.schemas import UserSchema
from project.users.services import get_user

blp = Blueprint("follows", __name__, url_prefix="/api/v1", description="Follows and the feed")


@blp.route(f"/users/<{ID}:user_id>/follow")
class FollowUser(MethodView):
    @auth_required(blp)
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def put(self, user_id):
        """Follow a user (following again changes nothing)"""
        services.follow(follower=current_user, followee=get_user(user_id))

    @auth_required(blp)
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def delete(self, user_id):
        """Stop following a user (unfollowing again changes nothing)"""
        services.unfollow(follower=current_user, followee=get_user(user_id))


@blp.route(f"/users/<{ID}:user_id>/followers")
class Followers(MethodView):
    @auth_required(blp, optional=True)
    @cached("users")
    @blp.arguments(FollowListQuerySchema, location="query")
    @blp.page_response(UserSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, query, user_id):
        """List a user's followers, most recent follow first"""
        page = services.list_followers(user=get_user(user_id), page=query["page"])
        return view(page, viewer())


@blp.route(f"/users/<{ID}:user_id>/following")
class Following(MethodView):
    @auth_required(blp, optional=True)
    @cached("users")
    @blp.arguments(FollowListQuerySchema, location="query")
    @blp.page_response(UserSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, query, user_id):
        """List whom a user follows, most recent follow first"""
        page = services.list_following(user=get_user(user_id), page=query["page"])
        return view(page, viewer())


@blp.route("/feed")
class Feed(MethodView):
    @auth_required(blp)
    @blp.arguments(FeedQuerySchema, location="query")
    @blp.page_response(PostSchema)
    def get(self, query):
        """List published posts by you and the people you follow, newest first"""
        return view(services.feed(viewer=current_user, page=query["page"]), current_user)
