"""Bearer-token helpers shared by plugins: the guard decorator and JWT errors.

Token issuing, rotation and revocation belong to the auth plugin; the user
lookup belongs to the users plugin. This module only knows flask-jwt-extended.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_jwt_extended import get_current_user, jwt_required
from flask_smorest import Blueprint

from project.errors import problem
from project.extensions import jwt

BEARER = "bearerAuth"


def auth_required(
    blp: Blueprint, *, optional: bool = False, refresh: bool = False, verify_type: bool = True
) -> Callable:
    """Require (or accept) a bearer token and document it in the spec.

    Goes above `blp.arguments` so a request without credentials is told 401
    before its body is validated.
    """
    security: list[dict[str, list]] = [{BEARER: []}]
    if optional:
        security.append({})

    def decorator(func: Callable) -> Callable:
        guarded = jwt_required(optional=optional, refresh=refresh, verify_type=verify_type)(func)
        guarded = blp.alt_response(401, response="UNAUTHORIZED")(guarded)
        return blp.doc(security=security)(guarded)

    return decorator


def viewer() -> Any:
    """The authenticated user of this request, or None when anonymous."""
    try:
        return get_current_user()
    except RuntimeError:  # no guard ran for this request
        return None


def _unauthorized(detail: str):
    return problem(401, detail, headers={"WWW-Authenticate": "Bearer"})


def register_jwt_error_handlers() -> None:
    """Answer every token failure with a 401 problem instead of `{"msg": ...}`."""

    @jwt.unauthorized_loader
    def missing_token(reason: str):
        return _unauthorized("A bearer token is required (Authorization: Bearer <token>).")

    @jwt.invalid_token_loader
    def invalid_token(reason: str):
        return _unauthorized(f"The bearer token is invalid: {reason}.")

    @jwt.expired_token_loader
    def expired_token(header: dict, payload: dict):
        return _unauthorized("The bearer token has expired.")

    @jwt.revoked_token_loader
    def revoked_token(header: dict, payload: dict):
        return _unauthorized("The bearer token has been revoked.")

    @jwt.user_lookup_error_loader
    def unknown_user(header: dict, payload: dict):
        return _unauthorized("The bearer token's user no longer exists.")

    @jwt.needs_fresh_token_loader
    def stale_token(header: dict, payload: dict):
        return _unauthorized("A fresh login is required.")

    @jwt.token_verification_failed_loader
    def failed_verification(header: dict, payload: dict):
        return _unauthorized("The bearer token failed verification.")
