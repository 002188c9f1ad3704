"""Fixtures for the auth tests: a user, and extra app instances on the same backends."""

from __future__ import annotations

import pytest


@pytest.fixture
def alice(user_factory):
    return user_factory(username="alice", email="alice@example.com")


@pytest.fixture
def instances(build_app):
    """Extra app instances on the same backends (see `build_app`)."""
    return build_app
