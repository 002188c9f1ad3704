"""Assertions shared by the users and auth tests."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from project.users.models import User

PROBLEM_JSON = "application/problem+json"
PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}
# Never part of any user representation.
SECRET_KEYS = {"password", "password_hash", "current_password"}


def assert_problem(response, status: int, detail: str | None = None) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status; returns the body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_JSON
    body = response.get_json(force=True)
    assert body.keys() >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["instance"] == response.request.path
    if detail is not None:
        assert body["detail"] == detail
    return body


def assert_unauthorized(response, detail: str | None = None) -> dict[str, Any]:
    body = assert_problem(response, 401, detail)
    assert response.headers.get("WWW-Authenticate") == "Bearer"
    return body


def field_errors(response, location: str = "json") -> dict[str, list[str]]:
    """The `errors` of a 422 problem for one location (json, query)."""
    body = assert_problem(response, 422)
    assert location in body["errors"], body
    return body["errors"][location]


def rows(session, statement) -> list[dict[str, Any]]:
    """Rows of `statement` as dicts, read on the test's session, whose SAVEPOINT then ends.

    pytest-flask keeps one app context (so one `db.session`) for every request
    of a test, and a request that fails before committing leaves that session's
    SAVEPOINT open on the shared connection. A savepoint of ours left open
    inside it would be released from under us by the app's next commit; ending
    ours straight away keeps the two strictly nested.
    """
    try:
        return [dict(row) for row in session.execute(statement).mappings()]
    finally:
        session.commit()


def scalar(session, statement) -> Any:
    """One value, read like `rows`."""
    try:
        return session.scalar(statement)
    finally:
        session.commit()


def stored_user(session, user_id: int) -> dict[str, Any] | None:
    """The users row as stored now (bypassing any identity map), or None."""
    found = rows(session, sa.select(User.__table__).where(User.id == user_id))
    return found[0] if found else None


def count(session, model, *where) -> int:
    return scalar(session, sa.select(sa.func.count()).select_from(model).where(*where))


def user_count(session, *where) -> int:
    return count(session, User, *where)
