"""/api/v1/users: registration, profiles, and account management."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask.views import MethodView
from flask_jwt_extended import current_user

from project.common.auth import auth_required, user_gone, viewer
from project.common.blueprint import Blueprint
from project.common.conditional import if_match_versions, versioned
from project.common.fields import ID
from project.common.ratelimit import limit_auth, limit_auth_when, limit_password_checks
from project.common.response_cache import cached
from project.common.viewer import view
from project.users import services
from project.users.schemas import (
    UserCreateSchema,
    UserQuerySchema,
    UserSchema,
    UserUpdateSchema,
)

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="Users and profiles")


@blp.route("")
class Users(MethodView):
    @auth_required(blp, optional=True)
    @cached("users")
    @blp.arguments(UserQuerySchema, location="query")
    @blp.page_response(UserSchema)
    def get(self, query):
        """List users, newest first or most published posts first, by prefix or sign-up time"""
        page = services.list_users(
            q=query.get("q"),
            page=query["page"],
            created_after=query.get("created_after"),
            created_before=query.get("created_before"),
        )
        return view(page, viewer())

    @limit_auth
    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    def post(self, data):
        """Register a new user"""
        user = services.create_user(data=data)
        # Registering is anonymous: the answer is the public view, like any other.
        return view(user, None), 201, {"Location": url_for("users.UserById", user_id=user.id)}


@blp.route("/me")
class Me(MethodView):
    @auth_required(blp)
    @blp.response(200, UserSchema)
    @versioned
    def get(self):
        """Show the authenticated user"""
        me = services.shown_user(current_user.id)  # the token's id: no users row read for it
        if me is None:  # deleted since the token was issued
            raise user_gone(current_user.id)
        return view(me, me)


def json_body() -> dict[str, Any]:
    """The JSON object sent, before validation (for deciding which limits apply)."""
    body = request.get_json(silent=True) if request.is_json else None
    return body if isinstance(body, dict) else {}


def checks_password() -> bool:
    """The PATCH changes the viewer's own password: `services.check_password_change` runs."""
    own = request.view_args is not None and request.view_args.get("user_id") == current_user.id
    return own and json_body().get("password") is not None


def changes_email() -> bool:
    """The PATCH changes an email: its 409 says whether an address is registered."""
    return "email" in json_body()


@blp.route(f"/<{ID}:user_id>")
class UserById(MethodView):
    @auth_required(blp, optional=True)
    @cached("user:{user_id}")
    @blp.response(200, UserSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @versioned
    def get(self, user_id):
        """Show a user"""
        return view(services.get_shown_user(user_id), viewer())

    @auth_required(blp)
    @limit_password_checks(checks_password)
    @limit_auth_when(changes_email)
    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    @versioned
    def patch(self, data, user_id):
        """Update a profile (yourself, or anyone as an admin)"""
        user = services.update_user(
            user=services.get_user(user_id),
            actor=current_user,
            data=data,
            expected_version=if_match_versions(),
        )
        return view(user, current_user)

    @auth_required(blp)
    @blp.response(204)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    def delete(self, user_id):
        """Delete an account and its posts (yourself, or anyone as an admin)"""
        services.delete_user(
            user=services.get_user(user_id),
            actor=current_user,
            expected_version=if_match_versions(),
        )
