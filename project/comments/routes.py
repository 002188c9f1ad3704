"""/api/v1/posts/{id}/comments and /api/v1/comments/{id}."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_jwt_extended import current_user

from project.comments import services
from project.comments.schemas import (
    CommentCreateSchema,
    CommentQuerySchema,
    CommentSchema,
    CommentUpdateSchema,
)
from project.common.auth import auth_required, viewer
from project.common.blueprint import Blueprint
from project.common.conditional import if_match_versions, versioned
from project.common.fields import ID
from project.common.response_cache import cached, not_shareable
from project.posts.services import is_public, shown_post

blp = Blueprint("comments", __name__, url_prefix="/api/v1", description="Comments on posts")


@blp.route(f"/posts/<{ID}:post_id>/comments")
class PostComments(MethodView):
    @auth_required(blp, optional=True)
    @cached("post:{post_id}")
    @blp.arguments(CommentQuerySchema, location="query")
    @blp.page_response(CommentSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, query, post_id):
        """List a post's comments, oldest first"""
        post = shown_post(post_id, viewer())
        if not is_public(post):
            not_shareable()
        return services.list_comments(post_id=post.id, page=query["page"])

    @auth_required(blp)
    @blp.arguments(CommentCreateSchema)
    @blp.response(201, CommentSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, data, post_id):
        """Comment on a post"""
        comment = services.create_comment(post_id=post_id, author=current_user, data=data)
        return comment, 201, {"Location": url_for("comments.CommentById", comment_id=comment.id)}


@blp.route(f"/comments/<{ID}:comment_id>")
class CommentById(MethodView):
    @auth_required(blp, optional=True)
    @blp.response(200, CommentSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @versioned
    def get(self, comment_id):
        """Show a comment"""
        return services.visible_comment(comment_id, viewer())

    @auth_required(blp)
    @blp.arguments(CommentUpdateSchema)
    @blp.response(200, CommentSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    @versioned
    def patch(self, data, comment_id):
        """Edit a comment (its author or an admin)"""
        return services.update_comment(
            comment_id=comment_id,
            actor=current_user,
            data=data,
            expected_version=if_match_versions(),
        )

    @auth_required(blp)
    @blp.response(204)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    def delete(self, comment_id):
        """Delete a comment (its author, the post's author, or an admin)"""
        services.delete_comment(
            comment_id=comment_id, actor=current_user, expected_version=if_match_versions()
        )
