"""Fixtures for the RealWorld tests: registering and presenting `Token` credentials."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.kit import PASSWORD
from tests.realworld.helpers import ARTICLES, USERS, token_auth


@pytest.fixture
def register(client) -> Callable[..., dict[str, Any]]:
    """`register(name)` -> the `user` body of a 201 registration through /api/users."""

    def sign_up(name: str, *, email: str | None = None, password: str = PASSWORD):
        response = client.post(
            USERS,
            json={
                "user": {
                    "username": name,
                    "email": email or f"{name}@test.com",
                    "password": password,
                }
            },
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.json["user"]

    return sign_up


@pytest.fixture
def conduit(client) -> Callable[[Any], dict[str, str]]:
    """`conduit(user)` -> `Authorization: Token ...` for a login of `user` through /api."""
    tokens: dict[int, str] = {}

    def headers_for(user) -> dict[str, str]:
        if user.id not in tokens:
            response = client.post(
                "/api/users/login", json={"user": {"email": user.email, "password": PASSWORD}}
            )
            assert response.status_code == 200, response.get_data(as_text=True)
            tokens[user.id] = response.json["user"]["token"]
        return token_auth(tokens[user.id])

    return headers_for


@pytest.fixture
def write(client, conduit) -> Callable[..., dict[str, Any]]:
    """`write(user, title=..., tags=[...])` -> the `article` of a 201 POST /api/articles."""

    def post(user, title: str = "How to train your dragon", *, tags=None, **fields):
        article = {"title": title, "description": "Ever wonder how?", "body": "Believe.", **fields}
        if tags is not None:
            article["tagList"] = tags
        response = client.post(ARTICLES, json={"article": article}, headers=conduit(user))
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.json["article"]

    return post
