"""The RealWorld ("Conduit") API at /api: an adapter over Postwell's plugins.

Each view parses RealWorld's envelope, calls the owning plugin's service
(users, auth, posts, comments, likes, follows, tags), and answers in
RealWorld's shape. Lookups by slug and username, the slug itself and the
offset lists are this plugin's (`project.realworld.services`).
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from flask import request
from flask.views import MethodView
from flask_jwt_extended import current_user

from project.auth import services as auth
from project.auth.routes import client_address
from project.comments import services as comments
from project.common.auth import viewer
from project.common.blueprint import Blueprint
from project.common.ratelimit import limit_auth, limit_auth_when
from project.follows import services as follows
from project.http_headers import NO_STORE
from project.likes import services as likes
from project.posts import services as posts
from project.realworld import services
from project.realworld.auth import presented_token, token_required
from project.realworld.schemas import (
    ConduitArticleCreateSchema,
    ConduitArticleEnvelope,
    ConduitArticleQuerySchema,
    ConduitArticlesEnvelope,
    ConduitArticleUpdateSchema,
    ConduitCommentCreateSchema,
    ConduitCommentEnvelope,
    ConduitCommentsEnvelope,
    ConduitErrorsSchema,
    ConduitFeedQuerySchema,
    ConduitLoginSchema,
    ConduitProfileEnvelope,
    ConduitRegistrationSchema,
    ConduitTagsEnvelope,
    ConduitUserEnvelope,
    ConduitUserUpdateSchema,
)
from project.users import services as users


class ConduitBlueprint(Blueprint):
    """Documents every error of its operations as RealWorld's `{"errors": ...}` body.

    flask-smorest documents argument errors (422) as the app's error
    response, and `project.api.ErrorResponsesPlugin` adds the statuses any
    operation may give (400, 413, 415, 404, 500, 503) as problem+json; on
    these routes every one of them is answered by `project.realworld.errors`.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._document_realworld_errors)

    @staticmethod
    def _document_realworld_errors(doc: dict, doc_info: dict, **kwargs: Any) -> dict:
        responses = doc.setdefault("responses", {})
        statuses = {int(status) for status in responses} | set(ALWAYS)
        if "requestBody" in doc:
            statuses |= set(WITH_BODY)
        for status in sorted(statuses):
            response = responses.pop(status, None) or responses.pop(str(status), None)
            if status >= 400:
                response = {
                    "description": HTTPStatus(status).phrase,
                    "content": {"application/json": {"schema": ConduitErrorsSchema}},
                }
            responses[str(status)] = response
        return doc


blp = ConduitBlueprint(
    "RealWorld",
    __name__,
    url_prefix="/api",
    description=(
        "The RealWorld (Conduit) API over Postwell's data: any Conduit front end works "
        'against /api. RealWorld\'s error body `{"errors": {...}}` and its `Token` '
        "scheme here; /api/v1 is Postwell's own (keyset-paginated) API."
    ),
)

# Every operation can answer these, and those with a JSON body these too.
ALWAYS = (500, 503)
WITH_BODY = (400, 413, 415, 422)


def answers(*statuses: int) -> Callable:
    """Document the error statuses an operation answers (`ConduitBlueprint` adds the body)."""

    def decorator(func: Callable) -> Callable:
        for status in sorted(statuses):
            func = blp.alt_response(status, description=HTTPStatus(status).phrase)(func)
        return func

    return decorator


def session_token(*, login: str, password: str) -> str:
    """A new session's access token (`project.auth`), as after a login."""
    pair = auth.login(
        login=login,
        password=password,
        user_agent=request.user_agent.string or None,
        client_address=client_address(request.remote_addr),
    )
    return pair.access_token


def user_body(user: Any, token: str) -> dict[str, Any]:
    profile = services.Profile(user, following=False)
    return {
        "user": {
            "email": user.email,
            "token": token,
            "username": user.username,
            "bio": profile.bio,
            "image": profile.image,
        }
    }


def article_body(post: Any, who: Any) -> dict[str, Any]:
    return {"article": services.articles([post], who)[0]}


def slice_body(found: services.Slice, who: Any) -> dict[str, Any]:
    return {"articles": services.articles(found.posts, who), "articlesCount": found.total}


# --- users and authentication --------------------------------------------------


@blp.route("/users/login", methods=["POST"])
@limit_auth
@blp.arguments(ConduitLoginSchema)
@blp.response(200, ConduitUserEnvelope)
@answers(*WITH_BODY, 401, 429)
def login(data):
    """Log in with an email and a password"""
    fields = data["user"]
    token = session_token(login=fields["email"], password=fields["password"])
    return user_body(users.find_by_login(fields["email"]), token), 200, NO_STORE


@blp.route("/users", methods=["POST"])
@limit_auth
@blp.arguments(ConduitRegistrationSchema)
@blp.response(201, ConduitUserEnvelope)
@answers(*WITH_BODY, 409, 429)
def register(data):
    """Register, and log in"""
    fields = data["user"]
    user = users.create_user(data=fields)
    token = session_token(login=fields["email"], password=fields["password"])
    return user_body(user, token), 201, NO_STORE


def changes_identity() -> bool:
    """The update changes a username or email: its 409 says whether one is registered."""
    body = request.get_json(silent=True) if request.is_json else None
    fields = body.get("user") if isinstance(body, dict) else None
    return isinstance(fields, dict) and bool({"username", "email"} & set(fields))


@blp.route("/user")
class CurrentUser(MethodView):
    @token_required(blp)
    @blp.response(200, ConduitUserEnvelope)
    @answers(401)
    def get(self):
        """Show the current user"""
        return user_body(current_user, presented_token()), 200, NO_STORE

    @token_required(blp)
    @limit_auth_when(changes_identity)
    @blp.arguments(ConduitUserUpdateSchema)
    @blp.response(200, ConduitUserEnvelope)
    @answers(*WITH_BODY, 401, 409, 429)
    def put(self, data):
        """Update the current user (only the fields sent; a new password needs only the token)"""
        fields = dict(data["user"])
        if "image" in fields:
            fields["avatar_url"] = fields.pop("image")
        user = users.update_user(
            user=current_user, actor=current_user, data=fields, password_proof_required=False
        )
        token = presented_token()
        if "password" in fields:  # every session ended with the old password: a new one
            token = session_token(login=user.email, password=fields["password"])
        return user_body(user, token), 200, NO_STORE


# --- profiles ------------------------------------------------------------------


def profile_body(user: Any, who: Any) -> dict[str, Any]:
    return {"profile": services.profiles([user], who)[0]}


@blp.route("/profiles/<rw_name:username>")
class Profile(MethodView):
    @token_required(blp, optional=True)
    @blp.response(200, ConduitProfileEnvelope)
    @answers(401, 404)
    def get(self, username):
        """Show a profile"""
        return profile_body(services.profile_by_username(username), viewer())


@blp.route("/profiles/<rw_name:username>/follow")
class Follow(MethodView):
    @token_required(blp)
    @blp.response(200, ConduitProfileEnvelope)
    @answers(401, 404, 422)
    def post(self, username):
        """Follow a user"""
        followee = services.profile_by_username(username)
        with services.about("profile"):
            follows.follow(follower=current_user, followee=followee)
        return profile_body(followee, current_user)

    @token_required(blp)
    @blp.response(200, ConduitProfileEnvelope)
    @answers(401, 404, 422)
    def delete(self, username):
        """Unfollow a user"""
        followee = services.profile_by_username(username)
        with services.about("profile"):
            follows.unfollow(follower=current_user, followee=followee)
        return profile_body(followee, current_user)


# --- articles ------------------------------------------------------------------


@blp.route("/articles")
class Articles(MethodView):
    @token_required(blp, optional=True)
    @blp.arguments(ConduitArticleQuerySchema, location="query")
    @blp.response(200, ConduitArticlesEnvelope)
    @answers(401, 422)
    def get(self, query):
        """List articles, newest first (by tag, author or who favourited them)"""
        found = services.list_articles(
            tag=query.get("tag"),
            author=query.get("author"),
            favorited=query.get("favorited"),
            limit=query["limit"],
            offset=query["offset"],
        )
        return slice_body(found, viewer())

    @token_required(blp)
    @blp.arguments(ConduitArticleCreateSchema)
    @blp.response(201, ConduitArticleEnvelope)
    @answers(*WITH_BODY, 401)
    def post(self, data):
        """Write an article"""
        fields = data["article"]
        post = posts.create_post(
            author=current_user,
            data={
                "title": fields["title"],
                "summary": fields["description"],
                "body": fields["body"],
                "tags": fields["tag_list"],
            },
        )
        return article_body(posts.visible_post(post.id, current_user), current_user)


@blp.route("/articles/feed")
class Feed(MethodView):
    @token_required(blp)
    @blp.arguments(ConduitFeedQuerySchema, location="query")
    @blp.response(200, ConduitArticlesEnvelope)
    @answers(401, 422)
    def get(self, query):
        """List the articles of the users you follow, newest first"""
        found = services.feed(viewer=current_user, limit=query["limit"], offset=query["offset"])
        return slice_body(found, current_user)


POST_FIELDS = {"title": "title", "description": "summary", "body": "body", "tag_list": "tags"}


@blp.route("/articles/<rw_slug:slug>")
class Article(MethodView):
    @token_required(blp, optional=True)
    @blp.response(200, ConduitArticleEnvelope)
    @answers(401, 404)
    def get(self, slug):
        """Show an article"""
        return article_body(services.article_by_slug(slug), viewer())

    @token_required(blp)
    @blp.arguments(ConduitArticleUpdateSchema)
    @blp.response(200, ConduitArticleEnvelope)
    @answers(*WITH_BODY, 401, 403, 404)
    def put(self, data, slug):
        """Update an article (only the fields sent; its slug stays)"""
        post = services.article_by_slug(slug)
        changes = {POST_FIELDS[name]: value for name, value in data["article"].items()}
        with services.about("article"):
            post = posts.update_post(post=post, actor=current_user, data=changes)
        return article_body(post, current_user)

    @token_required(blp)
    @blp.response(204)
    @answers(401, 403, 404)
    def delete(self, slug):
        """Delete an article"""
        post = services.article_by_slug(slug)
        with services.about("article"):
            posts.delete_post(post=post, actor=current_user)


@blp.route("/articles/<rw_slug:slug>/favorite")
class Favorite(MethodView):
    @token_required(blp)
    @blp.response(200, ConduitArticleEnvelope)
    @answers(401, 404)
    def post(self, slug):
        """Favourite an article"""
        post = services.article_by_slug(slug)
        with services.about("article"):
            likes.like_post(post_id=post.id, user=current_user)
        return article_body(services.article_by_slug(slug), current_user)

    @token_required(blp)
    @blp.response(200, ConduitArticleEnvelope)
    @answers(401, 404)
    def delete(self, slug):
        """Unfavourite an article"""
        post = services.article_by_slug(slug)
        with services.about("article"):
            likes.unlike_post(post_id=post.id, user=current_user)
        return article_body(services.article_by_slug(slug), current_user)


# --- comments ------------------------------------------------------------------


@blp.route("/articles/<rw_slug:slug>/comments")
class Comments(MethodView):
    @token_required(blp, optional=True)
    @blp.response(200, ConduitCommentsEnvelope)
    @answers(401, 404)
    def get(self, slug):
        """List an article's comments, oldest first"""
        post = services.article_by_slug(slug)
        return {"comments": services.remarks(services.comments_of(post), viewer())}

    @token_required(blp)
    @blp.arguments(ConduitCommentCreateSchema)
    @blp.response(201, ConduitCommentEnvelope)
    @answers(*WITH_BODY, 401, 404)
    def post(self, data, slug):
        """Comment on an article"""
        post = services.article_by_slug(slug)
        with services.about("article"):
            comment = comments.create_comment(
                post_id=post.id, author=current_user, data=data["comment"]
            )
        return {"comment": services.remarks([comment], current_user)[0]}


@blp.route("/articles/<rw_slug:slug>/comments/<rw_comment_id:comment_id>")
class CommentById(MethodView):
    @token_required(blp)
    @blp.response(204)
    @answers(401, 403, 404)
    def delete(self, slug, comment_id):
        """Delete a comment (its author, the article's author, or an admin)"""
        post = services.article_by_slug(slug)
        comment = services.comment_on(post, comment_id)
        with services.about("comment"):
            comments.delete_comment(comment_id=comment.id, actor=current_user)


# --- tags ----------------------------------------------------------------------


@blp.route("/tags")
class Tags(MethodView):
    @blp.response(200, ConduitTagsEnvelope)
    @answers()
    def get(self):
        """List the tags of published articles, most used first"""
        return {"tags": services.tag_names()}
