"""Assertions and small utilities shared by the posts tests."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any

from sqlalchemy import func, select

from project.posts.models import Post
from project.users.models import User

PROBLEM_JSON = "application/problem+json"
BASE_TIME = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
LINK_NEXT = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?\+00:00$")


def assert_problem(response, status: int, *, path: str | None = None) -> dict[str, Any]:
    """`response` is an RFC 9457 problem with `status`; returns its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_JSON
    body = response.get_json()
    assert body["type"] == "about:blank"
    assert body["title"] == HTTPStatus(status).phrase
    assert body["status"] == status
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["instance"] == (path or response.request.path)
    return body


def assert_field_errors(response, location: str, *fields: str) -> dict[str, Any]:
    """A 422 problem whose `errors[location]` names exactly `fields`."""
    body = assert_problem(response, 422)
    assert set(body["errors"]) == {location}, body["errors"]
    assert set(body["errors"][location]) == set(fields), body["errors"]
    return body


def parse_time(value: str) -> datetime:
    """A response timestamp: ISO 8601, UTC, with an explicit +00:00 offset."""
    assert ISO_UTC.match(value), value
    parsed = datetime.fromisoformat(value)
    assert parsed.utcoffset() == timedelta(0)
    return parsed


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


def newest_first(posts) -> list[int]:
    """Ids in the API's order: created_at descending, then id descending."""
    return [post.id for post in sorted(posts, key=lambda p: (p.created_at, p.id), reverse=True)]


def raw_cursor(payload: Any) -> str:
    """A cursor-shaped token carrying arbitrary JSON (unpadded urlsafe base64)."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def stored_post(session, post_id: int) -> Post | None:
    """The post as the database has it now (not a cached object)."""
    return session.scalar(
        select(Post).where(Post.id == post_id).execution_options(populate_existing=True)
    )


def stored_post_count(session, user) -> int:
    """`users.post_count` as stored now."""
    return session.scalar(select(User.post_count).where(User.id == user.id))


def count_posts(session, **filters) -> int:
    stmt = select(func.count(Post.id))
    for name, value in filters.items():
        stmt = stmt.where(getattr(Post, name) == value)
    return session.scalar(stmt)
