"""Paths and assertions of the RealWorld tests (the RealWorld contract, from its spec)."""

from __future__ import annotations

import re
from typing import Any

USERS = "/api/users"
LOGIN = "/api/users/login"
USER = "/api/user"
ARTICLES = "/api/articles"
FEED = "/api/articles/feed"
TAGS = "/api/tags"

# What the conformance suite matches timestamps with, and what we promise beyond it.
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
ARTICLE_KEYS = {
    "slug",
    "title",
    "description",
    "body",
    "tagList",
    "createdAt",
    "updatedAt",
    "favorited",
    "favoritesCount",
    "author",
}
PROFILE_KEYS = {"username", "bio", "image", "following"}


def token_auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


def profile_url(username: str) -> str:
    return f"/api/profiles/{username}"


def article_url(slug: str) -> str:
    return f"{ARTICLES}/{slug}"


def assert_errors(response, status: int, errors: dict[str, list[str]] | None = None) -> dict:
    """A RealWorld error: `status`, JSON `{"errors": {field: [messages]}}` (these, if given)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"errors"}, body
    assert body["errors"] and all(
        isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages)
        for messages in body["errors"].values()
    ), body
    if errors is not None:
        assert body["errors"] == errors
    if status == 401:
        assert response.headers["WWW-Authenticate"] == "Token"
    return body["errors"]


def assert_article(article: dict[str, Any], *, with_body: bool = True) -> None:
    keys = ARTICLE_KEYS if with_body else ARTICLE_KEYS - {"body"}
    assert set(article) == keys, article
    assert TIMESTAMP.match(article["createdAt"]) and TIMESTAMP.match(article["updatedAt"])
    assert isinstance(article["favorited"], bool)
    assert isinstance(article["favoritesCount"], int)
    assert set(article["author"]) == PROFILE_KEYS
