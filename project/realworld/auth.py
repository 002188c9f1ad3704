"""`Authorization: Token <jwt>`, RealWorld's scheme, on this plugin's routes only.

The tokens are Postwell's access tokens, verified by flask-jwt-extended as on
`/api/v1` (signature, expiry, type, revocation through `project.auth`, the
user through `project.users`). flask-jwt-extended reads one scheme,
`JWT_HEADER_TYPE` (`Bearer`); a before_request of this blueprint rewrites a
`Token` header to it, so both schemes work here and only `Bearer` elsewhere.
Its failures are answered by `project.realworld.errors`.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request
from flask_jwt_extended import jwt_required
from flask_smorest import Blueprint

from project.common.auth import BEARER

SCHEME = "Token"
SECURITY_SCHEME = "realWorldToken"
SECURITY_SCHEME_SPEC = {
    "type": "apiKey",
    "in": "header",
    "name": "Authorization",
    "description": "`Token <access token>`, the token of `POST /api/users/login` "
    "(`Bearer <access token>` works too).",
}


def accept_token_scheme() -> None:
    """Rewrite `Authorization: Token x` to the scheme flask-jwt-extended reads."""
    header = request.environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == SCHEME.lower() and credentials:
        expected = current_app.config["JWT_HEADER_TYPE"]
        request.environ["HTTP_AUTHORIZATION"] = f"{expected} {credentials.strip()}"


def presented_token() -> str:
    """The encoded token of this request (verified already, by `token_required`)."""
    return request.headers.get("Authorization", "").partition(" ")[2].strip()


def token_required(blp: Blueprint, *, optional: bool = False) -> Callable:
    """Require (or accept) a token and document both schemes and the 401."""
    security: list[dict[str, list]] = [{SECURITY_SCHEME: []}, {BEARER: []}]
    if optional:
        security.append({})

    def decorator(func: Callable) -> Callable:
        guarded = jwt_required(optional=optional)(func)
        return blp.doc(security=security)(guarded)

    return decorator
