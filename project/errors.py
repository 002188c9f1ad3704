"""Every error a client can get, as `application/problem+json` (RFC 9457).

flask-smorest, Werkzeug, webargs, flask-jwt-extended and flask-limiter each
have their own error body, and services raise domain errors
(`project.common.exceptions`); all of them are funnelled through `problem()`
so a client parses exactly one shape. `DOMAIN_STATUSES` is the one table from
domain error to status.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from http import HTTPStatus
from typing import Any

import marshmallow as ma
import psycopg
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm.exc as orm_exc
from flask import Flask, Response, abort, current_app, g, json, request
from werkzeug.exceptions import HTTPException

from project.common.exceptions import (
    AuthenticationRequired,
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    PreconditionFailed,
)
from project.extensions import db

PROBLEM_JSON = "application/problem+json"

log = logging.getLogger(__name__)


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details (documentation only; bodies come from `problem`)."""

    type = ma.fields.String(metadata={"description": "URI reference for the problem type."})
    title = ma.fields.String(metadata={"description": "Short summary of the problem type."})
    status = ma.fields.Integer(metadata={"description": "HTTP status code."})
    detail = ma.fields.String(metadata={"description": "What went wrong, for a human."})
    instance = ma.fields.String(metadata={"description": "The request path."})
    request_id = ma.fields.String(metadata={"description": "Echo of X-Request-ID."})
    errors = ma.fields.Dict(
        metadata={"description": "Field errors by location and field (422 only)."}
    )


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: Any = None,
    headers: dict[str, str] | None = None,
) -> Response:
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": phrase,
        "status": status,
        "detail": detail or phrase,
        "instance": request.path,
    }
    request_id = g.get("request_id")
    if request_id:
        body["request_id"] = request_id
    if errors:
        body["errors"] = errors
    response = current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    if status == 401:
        # RFC 9110: every 401 names the scheme; set here so no caller can forget.
        response.headers["WWW-Authenticate"] = "Bearer"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


# Werkzeug's stock descriptions are long and HTML-flavoured; these read better.
DEFAULT_DETAILS = {
    400: "The request could not be understood.",
    401: "Authentication is required.",
    403: "You are not allowed to do this.",
    404: "The requested resource was not found.",
    405: "This method is not allowed on this resource.",
    412: "The resource has changed since you read it; fetch it again.",
    413: "The request body is too large.",
    422: "The request was well-formed but contains invalid values.",
    429: "Too many requests; slow down.",
    431: "The request's header fields are too large or too many.",
    414: "The request URI is too long.",
    500: "An unexpected error occurred. It has been logged.",
}


def summarize_field_errors(errors: Any) -> str:
    """`json.title: Length must be ...; query.limit: ...` from webargs' nesting."""
    parts: list[str] = []

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else str(key), value)
        elif isinstance(node, list) and all(isinstance(item, str) for item in node):
            parts.append(f"{prefix}: {' '.join(node)}")
        else:
            parts.append(f"{prefix}: invalid")

    walk("", errors)
    return "Invalid input: " + "; ".join(parts[:5]) + ("; ..." if len(parts) > 5 else "")


def detail_for(error: HTTPException) -> str:
    data = getattr(error, "data", None) or {}
    if data.get("message"):
        return str(data["message"])
    if error.code == 422 and data.get("messages"):
        return summarize_field_errors(data["messages"])
    if error.code == 400 and "json" in (data.get("messages") or {}):
        return "The request body is not valid JSON."
    if error.code == 429 and error.description:
        return f"Rate limit exceeded: {error.description}."
    return DEFAULT_DETAILS.get(error.code or 500, HTTPStatus(error.code or 500).phrase)


def handle_http_exception(error: HTTPException) -> Response:
    """Turn any HTTPException (including wrapped 500s) into a problem."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or (data.get("messages") if status == 422 else None)
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    headers.update(data.get("headers") or {})
    return problem(status, detail_for(error), errors=errors, headers=headers)


# Most specific first: a subclass (InvalidCredentials) inherits its base's status.
DOMAIN_STATUSES: dict[type[DomainError], int] = {
    InvalidInput: 422,
    AuthenticationRequired: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PreconditionFailed: 412,
}


def status_of(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in DOMAIN_STATUSES:
            return DOMAIN_STATUSES[cls]
    return 500


def handle_domain_error(error: DomainError) -> Response:
    status = status_of(error)
    if status == 500:  # a DomainError subclass nobody mapped: a bug, not the client's
        log.error("unmapped domain error", exc_info=error)
        return problem(500, DEFAULT_DETAILS[500])
    return problem(status, error.detail, errors=getattr(error, "errors", None))


# --- the database is down, slow or gone: 503, retry later ---------------------

DATABASE_RETRY_AFTER = "5"
DATABASE_UNAVAILABLE = "The database is unavailable or did not answer in time; retry shortly."


# SQLite's OperationalError also means "no such table" (a bug); these are outages.
SQLITE_OUTAGES = ("database is locked", "unable to open database file", "disk I/O error")


def is_database_outage(error: Exception) -> bool:
    """Errors that say the database is unreachable, busy or too slow, not that a query is wrong.

    The pool's TimeoutError (every connection busy); any DBAPI error on a
    connection SQLAlchemy found dead; psycopg's OperationalError (refused or
    timed-out connections, a connection lost mid-request, no answer before
    the deadline of `project.common.database`, a statement cancelled by
    `statement_timeout`); SQLite busy or unreachable.
    """
    if isinstance(error, sa_exc.TimeoutError):
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated or isinstance(error.orig, psycopg.OperationalError):
        return True
    return isinstance(error.orig, sqlite3.OperationalError) and str(error.orig).startswith(
        SQLITE_OUTAGES
    )


# A row this request wrote refers to one deleted since it was read (the
# account of the request's own token, a post): the database refused the write.
REFERENCE_GONE = (
    "Something this request refers to was deleted while it was being applied; nothing was written."
)


def is_foreign_key_violation(error: Exception) -> bool:
    if not isinstance(error, sa_exc.IntegrityError):
        return False
    if isinstance(error.orig, psycopg.errors.ForeignKeyViolation):
        return True
    return isinstance(error.orig, sqlite3.IntegrityError) and str(error.orig).startswith(
        "FOREIGN KEY constraint failed"
    )


# PostgreSQL aborted the transaction to settle a conflict with another one (a
# deadlock, a serialization failure): its writes were undone, and a retry can pass.
CONCURRENT_CONFLICT = (
    "This request conflicted with another one being applied at the same time and was "
    "stopped; retry it."
)


# serialization_failure, deadlock_detected (psycopg's classes for them are
# OperationalErrors, siblings of TransactionRollback, not its subclasses).
ROLLED_BACK_SQLSTATES = frozenset({"40001", "40P01"})


def rollback_quietly() -> None:
    """End the request's failed transaction; a connection already gone has nothing to end."""
    with contextlib.suppress(sa_exc.SQLAlchemyError):
        db.session.rollback()


def handle_database_error(error: sa_exc.SQLAlchemyError) -> Response:
    if getattr(getattr(error, "orig", None), "sqlstate", None) in ROLLED_BACK_SQLSTATES:
        # An OperationalError, but the database is up: not an outage's 503 and warning.
        log.info("transaction aborted by the database: %s", str(error.orig).strip())
        rollback_quietly()
        return problem(409, CONCURRENT_CONFLICT)
    if is_foreign_key_violation(error):
        # Services read what they refer to first; only a delete in between gets here.
        log.info("write refused, a referenced row was deleted meanwhile: %s", error.orig)
        rollback_quietly()
        return problem(409, REFERENCE_GONE)
    if not is_database_outage(error):
        raise error  # a bug: Flask logs it with its traceback and answers 500
    # Known outage errors come by the thousand during an outage: one line each.
    cause = getattr(error, "orig", None) or error
    summary = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    log.warning("database unavailable: %s: %s", type(cause).__name__, summary)
    rollback_quietly()
    return problem(503, DATABASE_UNAVAILABLE, headers={"Retry-After": DATABASE_RETRY_AFTER})


# --- a lost update the database refused: 412, like a stale If-Match ---------

LOST_UPDATE = (
    "The resource was changed by another request while this one was being applied; "
    "nothing was written: fetch it again and reapply your change."
)


def handle_stale_data(error: orm_exc.StaleDataError) -> Response:
    """A versioned UPDATE or DELETE matched no row: another request changed it first.

    Two requests can both pass the If-Match check; the version column makes
    the second write touch nothing (`project.common.models.VersionMixin`).
    """
    rollback_quietly()
    return problem(412, LOST_UPDATE)


# --- request heads too large: the app answers, so the answer is problem+json ---
# gunicorn.conf.py sets gunicorn's own limits higher than these. The URI limit
# leaves room for a search query of several thousand characters (422, not 414).

MAX_URI_BYTES = 8000
MAX_HEADER_FIELDS = 100
MAX_HEADER_FIELD_BYTES = 8190


def check_request_head() -> None:
    """414 for a URI over MAX_URI_BYTES; 431 for too many or too large header fields."""
    environ = request.environ
    uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.full_path
    if len(uri) > MAX_URI_BYTES:
        abort(414)
    fields = [
        (name.removeprefix("HTTP_"), value)
        for name, value in environ.items()
        if name.startswith("HTTP_") or name in ("CONTENT_TYPE", "CONTENT_LENGTH")
    ]
    # "Name: value\r\n", as gunicorn counts a field.
    if len(fields) > MAX_HEADER_FIELDS or any(
        len(name) + len(str(value)) + 4 > MAX_HEADER_FIELD_BYTES for name, value in fields
    ):
        abort(431)


def register_error_handlers(app: Flask) -> None:
    """Domain and database errors; HTTPExceptions go through
    `PostwellApi.handle_http_exception`."""
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(sa_exc.DBAPIError, handle_database_error)
    app.register_error_handler(sa_exc.TimeoutError, handle_database_error)
    app.register_error_handler(orm_exc.StaleDataError, handle_stale_data)
    app.before_request(check_request_head)
