"""RealWorld's error body, `{"errors": {"<field or resource>": ["message"]}}`, on /api only.

Installed as error handlers of this plugin's blueprint, which Flask consults
before the app's: every `/api/v1` route keeps problem+json
(`project.errors`), and every route here answers in RealWorld's shape with
the same statuses, headers (`Allow`, `Retry-After`...) and logging:

* validation (422): the field's messages, unwrapped from their location and
  envelope (`json.user.email` -> `email`);
* 401: `token` (`is missing`, `is invalid`, `has expired`, `has been revoked`)
  or `credentials` (`invalid`, a failed login), with `WWW-Authenticate: Token`;
* 403 and 404: the resource concerned (`article`, `profile`, `comment`);
* 409: the taken field (`username`, `email`): `has already been taken`;
* anything else (400, 413, 415, 429, 500, 503): the app's own answer, its
  detail under `request`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy.exc as sa_exc
from flask import Response, current_app, json
from flask_jwt_extended.exceptions import (
    CSRFError,
    JWTExtendedException,
    NoAuthorizationError,
    RevokedTokenError,
    UserLookupError,
)
from flask_smorest import Blueprint
from jwt.exceptions import ExpiredSignatureError, PyJWTError
from werkzeug.exceptions import HTTPException

from project import errors as app_errors
from project.common.exceptions import (
    AuthenticationRequired,
    Conflict,
    DomainError,
    InvalidInput,
)
from project.realworld.services import Refused, Unknown
from project.users.services import CONFLICT_DETAILS

SCHEME = "Token"
TAKEN = "has already been taken"
CONFLICTING_FIELDS = {detail: field for field, detail in CONFLICT_DETAILS.items()}


def realworld_error(status: int, errors: dict[str, list[str]], headers=None) -> Response:
    response = current_app.response_class(
        json.dumps({"errors": errors}), status=status, mimetype="application/json"
    )
    for name, value in (headers or {}).items():
        if name.lower() != "content-type":
            response.headers[name] = value
    if status == 401:
        response.headers["WWW-Authenticate"] = SCHEME
    return response


def flatten(messages: Any) -> dict[str, list[str]]:
    """webargs' `{"json": {"user": {"email": [...]}}}` -> `{"email": [...]}`.

    The location (`json`, `query`) and the envelope (`user`, `article`...) go;
    the field keeps every message, however deep (a `tagList` item's too).
    """
    flat: dict[str, list[str]] = {}

    def add(name: str, node: Any) -> None:
        if isinstance(node, str):
            flat.setdefault(name, []).append(node)
        elif isinstance(node, dict | list):
            for inner in node.values() if isinstance(node, dict) else node:
                add(name, inner)

    for location in (messages or {}).values():
        if not isinstance(location, dict):
            add("body", location)
            continue
        for key, value in location.items():
            if isinstance(value, dict) and any(isinstance(k, str) for k in value):
                for field, inner in value.items():
                    add(key if field == "_schema" else str(field), inner)
            else:
                add("body" if key == "_schema" else str(key), value)
    return flat


def reshape(problem: Response) -> Response:
    """A problem+json answer of the app's, in RealWorld's shape (status and headers kept)."""
    body = problem.get_json(force=True, silent=True) or {}
    headers = {name: value for name, value in problem.headers.items()}
    for name in ("Content-Length", "Content-Type", "WWW-Authenticate"):
        headers.pop(name, None)
    return realworld_error(
        problem.status_code, {"request": [body.get("detail") or "failed"]}, headers
    )


def handle_http_exception(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    if error.code == 422 and data.get("messages"):
        headers = {name: value for name, value in error.get_headers()}
        return realworld_error(422, flatten(data["messages"]), headers)
    if error.code == 422 and data.get("errors"):
        return realworld_error(422, flatten(data["errors"]))
    return reshape(app_errors.handle_http_exception(error))


def handle_domain_error(error: DomainError) -> Response:
    if isinstance(error, Unknown):
        return realworld_error(404, {error.resource: ["not found"]})
    if isinstance(error, Refused):
        return realworld_error(403, {error.resource: ["forbidden"]})
    if isinstance(error, Conflict):
        field = CONFLICTING_FIELDS.get(error.detail)
        return realworld_error(409, {field: [TAKEN]} if field else {"request": [error.detail]})
    if isinstance(error, AuthenticationRequired):
        return realworld_error(401, {"credentials": ["invalid"]})
    if isinstance(error, InvalidInput):
        return realworld_error(422, flatten(error.errors))
    return reshape(app_errors.handle_domain_error(error))


def token_problem(error: Exception) -> str:
    if isinstance(error, NoAuthorizationError | CSRFError):
        return "is missing"
    if isinstance(error, ExpiredSignatureError):
        return "has expired"
    if isinstance(error, RevokedTokenError):
        return "has been revoked"
    if isinstance(error, UserLookupError):
        return "has no user"
    return "is invalid"


def handle_token_error(error: Exception) -> Response:
    return realworld_error(401, {"token": [token_problem(error)]})


def handle_database_error(error: sa_exc.SQLAlchemyError) -> Response:
    return reshape(app_errors.handle_database_error(error))  # re-raises a bug (a 500)


def init_blueprint(blp: Blueprint) -> None:
    blp.register_error_handler(HTTPException, handle_http_exception)
    blp.register_error_handler(DomainError, handle_domain_error)
    blp.register_error_handler(JWTExtendedException, handle_token_error)
    blp.register_error_handler(PyJWTError, handle_token_error)
    blp.register_error_handler(sa_exc.DBAPIError, handle_database_error)
    blp.register_error_handler(sa_exc.TimeoutError, handle_database_error)
