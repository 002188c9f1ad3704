"""The test kit: assertions and helpers every test may use, defined once.

Fixtures live in `tests/fixtures/` (loaded by the root conftest); this module
holds plain functions and constants: the problem+json contract, auth headers,
pagination links, and readers for what is stored now. Constants the app
defines (`PROBLEM_JSON`, ...) are imported from the app, never copied.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

import sqlalchemy as sa

from project.errors import PROBLEM_JSON
from project.observability import REQUEST_ID_HEADER
from project.posts.models import Post
from project.users.models import User

# The password of every user the factories make.
PASSWORD = "password123"

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/users/me"

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "request_id"}
# Never part of any user representation.
SECRET_KEYS = {"password", "password_hash", "current_password"}
LINK_NEXT = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')


# --- problem+json (RFC 9457) ---------------------------------------------------


def assert_problem(
    response, status: int, detail: str | None = None, *, path: str | None = None
) -> dict[str, Any]:
    """`response` is the project's problem with `status`; returns its body.

    The whole contract: status code, media type, `type`, `title` (the HTTP
    phrase), `status`, a non-empty `detail` (this one, if given), `instance`
    (the request path, or `path`), and `request_id` echoing X-Request-ID.
    """
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_JSON
    body = response.get_json(force=True)
    assert body.keys() >= PROBLEM_KEYS, body
    assert body["type"] == "about:blank"
    assert body["title"] == HTTPStatus(status).phrase
    assert body["status"] == status
    assert isinstance(body["detail"], str) and body["detail"]
    if detail is not None:
        assert body["detail"] == detail
    assert body["instance"] == (path or response.request.path)
    assert body["request_id"] == response.headers[REQUEST_ID_HEADER]
    return body


def assert_unauthorized(response, detail: str | None = None) -> dict[str, Any]:
    """A 401 problem that tells the client to send a bearer token."""
    body = assert_problem(response, 401, detail)
    assert response.headers.get("WWW-Authenticate") == "Bearer"
    return body


def field_errors(response, location: str = "json") -> dict[str, list[str]]:
    """The `errors` of a 422 problem for one location (json, query)."""
    body = assert_problem(response, 422)
    assert location in body["errors"], body
    return body["errors"][location]


def assert_field_errors(response, location: str, *fields: str) -> dict[str, Any]:
    """A 422 problem whose errors are in `location` only and name exactly `fields`."""
    body = assert_problem(response, 422)
    assert set(body["errors"]) == {location}, body["errors"]
    assert set(body["errors"][location]) == set(fields), body["errors"]
    return body


# --- auth and pagination -------------------------------------------------------


def bearer(token: str) -> dict[str, str]:
    """Request headers that present `token`."""
    return {"Authorization": f"Bearer {token}"}


def user_url(user) -> str:
    return f"/api/v1/users/{user.id}"


def register(client, username: str) -> dict[str, Any]:
    """Register `username` through the API (email `<username>@example.com`,
    password PASSWORD), asserting the 201: its body."""
    response = client.post(
        "/api/v1/users",
        json={"username": username, "email": f"{username}@example.com", "password": PASSWORD},
    )
    assert response.status_code == 201, response.json
    return response.json


def next_link(response) -> str | None:
    """The URL of the `Link: <...>; rel="next"` header, or None without one."""
    header = response.headers.get("Link")
    if header is None:
        return None
    match = LINK_NEXT.match(header)
    assert match, header
    return match["url"]


def walk(client, url: str, headers: dict[str, str] | None = None, *, max_pages: int = 1000):
    """Follow `Link: rel="next"` from `url`; the list of responses, first to last."""
    responses = []
    while url is not None:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert (next_link(response) is None) == (response.json["next_cursor"] is None)
        responses.append(response)
        assert len(responses) <= max_pages, "pagination does not end"
        url = next_link(response)
    return responses


def item_ids(responses) -> list[int]:
    return [item["id"] for response in responses for item in response.json["items"]]


# --- what is stored now --------------------------------------------------------
# Read on the test's `session`; each reader ends that session's SAVEPOINT
# straight away, so a check never leaves a transaction of the test's open
# around the requests that follow (the app's sessions nest theirs on the same
# connection and end them at teardown_request).


def rows(session, statement) -> list[dict[str, Any]]:
    """Rows of `statement` as dicts."""
    try:
        return [dict(row) for row in session.execute(statement).mappings()]
    finally:
        session.commit()


def scalar(session, statement) -> Any:
    """One value of `statement`."""
    try:
        return session.scalar(statement)
    finally:
        session.commit()


def count(session, model, *where) -> int:
    """Rows of `model`'s table matching `where`."""
    return scalar(session, sa.select(sa.func.count()).select_from(model).where(*where))


def user_count(session, *where) -> int:
    return count(session, User, *where)


def stored_user(session, user_id: int) -> dict[str, Any] | None:
    """The users row as stored now (bypassing any identity map), or None."""
    found = rows(session, sa.select(User.__table__).where(User.id == user_id))
    return found[0] if found else None


def stored_post(session, post_id: int) -> Post | None:
    """The post as stored now (its attributes refreshed from the row), or None."""
    return scalar(
        session,
        sa.select(Post).where(Post.id == post_id).execution_options(populate_existing=True),
    )


def stored_post_count(session, user) -> int:
    """`users.post_count` as stored now."""
    return scalar(session, sa.select(User.post_count).where(User.id == user.id))
