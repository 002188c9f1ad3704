"""Fixtures for the users tests: a couple of named accounts."""

from __future__ import annotations

import pytest

from project.users import services


@pytest.fixture
def alice(user_factory):
    return user_factory(username="alice", email="alice@example.com", display_name="Alice")


@pytest.fixture
def bob(user_factory):
    return user_factory(username="bob", email="bob@example.com", display_name="Bob")


@pytest.fixture
def admin(user_factory):
    return user_factory(username="admin", email="admin@example.com", is_admin=True)


@pytest.fixture
def lost_race(monkeypatch):
    """Make the friendly pre-check miss once, as when a concurrent request wins.

    The unique indexes are then the only guard; the answer must still be a 409
    with nothing written.
    """
    real = services.taken_field
    calls = {"n": 0}

    def taken_field(**kwargs):
        calls["n"] += 1
        return None if calls["n"] == 1 else real(**kwargs)

    monkeypatch.setattr(services, "taken_field", taken_field)
