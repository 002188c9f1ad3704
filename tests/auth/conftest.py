"""Fixtures for the auth tests: a user, and extra app instances on the same backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from project.extensions import db


@pytest.fixture
def alice(user_factory):
    return user_factory(username="alice", email="alice@example.com")


@pytest.fixture
def instances(app, make_app) -> Iterator:
    """Build extra app instances; release their connections afterwards.

    Depends on `app` so that the tables exist. These apps are not inside the
    per-test rollback: their tests are `committing` and clean up their rows
    (see `tests.auth.helpers.forget_users`).
    """
    built: list[Flask] = []

    def build(**overrides) -> Flask:
        instance = make_app(**overrides)
        built.append(instance)
        return instance

    yield build
    for instance in built:
        with instance.app_context():
            db.session.remove()
            db.engine.dispose()
        client = instance.extensions.get("postwell_redis")
        if client is not None:
            client.close()
