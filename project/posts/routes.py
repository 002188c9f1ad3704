"""/api/v1/posts, and /api/v1/users/{id}/posts."""

from __future__ import annotations

from flask import current_app, url_for
from flask.views import MethodView
from flask_jwt_extended import current_user

from project.common.auth import auth_required, viewer
from project.common.blueprint import Blueprint
from project.common.conditional import if_match_versions, versioned
from project.common.fields import ID
from project.common.response_cache import cached, not_shareable
from project.common.viewer import view
from project.posts import services
from project.posts.schemas import (
    PostCreateSchema,
    PostQuerySchema,
    PostSchema,
    PostUpdateSchema,
    UserPostQuerySchema,
)
from project.users.services import get_user

blp = Blueprint("posts", __name__, url_prefix="/api/v1", description="Posts")


@blp.route("/posts")
class Posts(MethodView):
    @auth_required(blp, optional=True)
    @cached("posts")
    @blp.arguments(PostQuerySchema, location="query")
    @blp.page_response(PostSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, query):
        """List published posts, newest first (by author, tag or search), or your own drafts"""
        if query["status"] != services.PUBLISHED:
            not_shareable()
        author = services.resolve_author(query["author"]) if "author" in query else None
        page = services.list_posts(
            viewer=viewer(),
            author=author,
            status=query["status"],
            page=query["page"],
            tag=query.get("tag"),
            q=query.get("q"),
        )
        return view(page, viewer())

    @auth_required(blp)
    @blp.arguments(PostCreateSchema)
    @blp.response(201, PostSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    def post(self, data):
        """Write a post"""
        post = services.create_post(
            author=current_user,
            data=data,
            require_verified_email=current_app.config["REQUIRE_VERIFIED_EMAIL_TO_POST"],
        )
        return (
            view(post, current_user, new=True),
            201,
            {"Location": url_for("posts.PostById", post_id=post.id)},
        )


@blp.route(f"/posts/<{ID}:post_id>")
class PostById(MethodView):
    @auth_required(blp, optional=True)
    @cached("post:{post_id}")
    @blp.response(200, PostSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @versioned
    def get(self, post_id):
        """Show a post (drafts only to their author)"""
        post = services.shown_post(post_id, viewer())
        if not services.is_public(post):
            not_shareable()
        return view(post, viewer())

    @auth_required(blp)
    @blp.arguments(PostUpdateSchema)
    @blp.response(200, PostSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    @versioned
    def patch(self, data, post_id):
        """Edit a post (its author or an admin)"""
        post = services.update_post(
            post=services.visible_post(post_id, current_user),
            actor=current_user,
            data=data,
            expected_version=if_match_versions(),
        )
        return view(post, current_user)

    @auth_required(blp)
    @blp.response(204)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    def delete(self, post_id):
        """Delete a post (its author or an admin)"""
        services.delete_post(
            post=services.visible_post(post_id, current_user),
            actor=current_user,
            expected_version=if_match_versions(),
        )


@blp.route(f"/users/<{ID}:user_id>/posts")
class UserPosts(MethodView):
    @auth_required(blp, optional=True)
    @cached("posts")
    @blp.arguments(UserPostQuerySchema, location="query")
    @blp.page_response(PostSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, query, user_id):
        """List a user's published posts (or your own drafts), newest first"""
        if query["status"] != services.PUBLISHED:
            not_shareable()
        page = services.list_posts(
            viewer=viewer(), author=get_user(user_id), status=query["status"], page=query["page"]
        )
        return view(page, viewer())
