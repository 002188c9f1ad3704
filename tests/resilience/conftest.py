"""Apps on a redis-server of the test's own (`redis_server`), which the test stops,
hangs and restarts. These apps commit for real and delete the users they make.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from project.auth.models import AuthSession
from project.extensions import db, limiter
from tests.auth.helpers import claims, forget_users
from tests.kit import LOGIN, PASSWORD, register


@dataclass
class Service:
    app: Flask
    client: FlaskClient
    username: str
    user_id: int

    def login(self, password: str = PASSWORD) -> dict:
        response = self.client.post(LOGIN, json={"login": self.username, "password": password})
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.json

    def sid(self, token: str) -> str:
        return claims(self.app, token)["sid"]

    def revoked_at(self, sid: str):
        with self.app.app_context():
            return db.session.scalar(sa.select(AuthSession.revoked_at).where(AuthSession.id == sid))


@pytest.fixture
def service(build_app, redis_server):
    """`service(**config)`: an app on the test's Redis, rate limits on, one user."""
    made: list[Service] = []

    def make(**overrides) -> Service:
        config = {
            "REDIS_URL": redis_server.url,
            "RATE_LIMITS_ENABLED": True,
            "RATELIMIT_AUTH": "1000 per minute",
            **overrides,
        }
        app = build_app(**config)
        client = app.test_client()
        username = "outage_" + uuid.uuid4().hex[:12]
        made.append(Service(app, client, username, register(client, username)["id"]))
        return made[-1]

    try:
        yield make
    finally:
        for made_service in made:
            forget_users(made_service.app, made_service.username)
        # flask-limiter's one global object remembers that its storage died;
        # the next app must not start on the in-memory fallback.
        limiter._storage_dead = False


@pytest.fixture
def stored(redis_server):
    """A plain client on the test's Redis, to check what it holds."""
    client = redis_server.client()
    yield client
    client.close()
