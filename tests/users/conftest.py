"""Fixtures for the users tests: a couple of named accounts."""

from __future__ import annotations

import pytest


@pytest.fixture
def alice(user_factory):
    return user_factory(username="alice", email="alice@example.com", display_name="Alice")


@pytest.fixture
def bob(user_factory):
    return user_factory(username="bob", email="bob@example.com", display_name="Bob")


@pytest.fixture
def admin(user_factory):
    return user_factory(username="admin", email="admin@example.com", is_admin=True)
