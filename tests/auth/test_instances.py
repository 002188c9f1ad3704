"""Revocation is shared state: what one instance revokes, every instance refuses.

Two apps from `make_app()` share the database (and Redis when REDIS_URL is
set) but nothing in process memory. These tests commit for real and delete
the user they create.
"""

from __future__ import annotations

import uuid

import pytest

from tests.auth.helpers import claims, forget_users
from tests.kit import LOGIN, LOGOUT, ME, PASSWORD, REFRESH, assert_unauthorized, bearer, register

pytestmark = pytest.mark.committing


@pytest.fixture
def pair(build_app):
    """Two instances and a user registered through the first; removed afterwards."""
    a, b = build_app(), build_app()
    username = "inst_" + uuid.uuid4().hex[:12]
    register(a.test_client(), username)
    try:
        yield a.test_client(), b.test_client(), username
    finally:
        forget_users(a, username)


def test_tokens_from_one_instance_work_on_another(pair, login):
    a, b, username = pair

    tokens = login(username, via=a)

    assert b.get(ME, headers=bearer(tokens["access_token"])).json["username"] == username
    assert b.post(REFRESH, headers=bearer(tokens["refresh_token"])).status_code == 200


def test_refresh_race_across_instances_gets_one_successor(pair, login):
    a, b, username = pair
    tokens = login(username, via=a)

    first = a.post(REFRESH, headers=bearer(tokens["refresh_token"]))
    # The same token at the other instance, moments later (two tabs).
    second = b.post(REFRESH, headers=bearer(tokens["refresh_token"]))

    assert first.status_code == 200 and second.status_code == 200, second.json
    assert (
        claims(a.application, first.json["refresh_token"])["jti"]
        == claims(b.application, second.json["refresh_token"])["jti"]
    )
    assert a.get(ME, headers=bearer(second.json["access_token"])).status_code == 200


def test_refresh_rotation_on_one_instance_is_seen_by_the_other(pair, login, auth_clock):
    a, b, username = pair
    tokens = login(username, via=a)

    rotated = a.post(REFRESH, headers=bearer(tokens["refresh_token"]))
    assert rotated.status_code == 200
    auth_clock.advance(a.application.config["JWT_REFRESH_REUSE_INTERVAL"] + 1)

    # The spent refresh token is refused by the other instance...
    assert_unauthorized(b.post(REFRESH, headers=bearer(tokens["refresh_token"])))
    # ...and that reuse ended the session everywhere, rotated pair included.
    new = rotated.json
    for client in (a, b):
        assert_unauthorized(client.get(ME, headers=bearer(new["access_token"])))
        assert_unauthorized(client.post(REFRESH, headers=bearer(new["refresh_token"])))


def test_logout_on_one_instance_is_seen_by_the_other(pair, login):
    a, b, username = pair
    tokens = login(username, via=a)
    other = login(username, via=a)
    assert b.get(ME, headers=bearer(tokens["access_token"])).status_code == 200

    assert a.post(LOGOUT, headers=bearer(tokens["access_token"])).status_code == 204

    assert_unauthorized(b.get(ME, headers=bearer(tokens["access_token"])))
    assert_unauthorized(b.post(REFRESH, headers=bearer(tokens["refresh_token"])))
    # Another session of the same user is still good on both.
    assert b.get(ME, headers=bearer(other["access_token"])).status_code == 200
    assert a.get(ME, headers=bearer(other["access_token"])).status_code == 200


def test_password_change_on_one_instance_ends_sessions_on_the_other(pair, login):
    a, b, username = pair
    tokens = login(username, via=a)
    user_id = a.get(ME, headers=bearer(tokens["access_token"])).json["id"]

    changed = a.patch(
        f"/api/v1/users/{user_id}",
        json={"password": "newpassword1", "current_password": PASSWORD},
        headers=bearer(tokens["access_token"]),
    )
    assert changed.status_code == 200

    assert_unauthorized(b.get(ME, headers=bearer(tokens["access_token"])))
    assert_unauthorized(b.post(REFRESH, headers=bearer(tokens["refresh_token"])))
    assert b.post(LOGIN, json={"login": username, "password": "newpassword1"}).status_code == 200


def test_account_deletion_on_one_instance_is_seen_by_the_other(pair, login):
    a, b, username = pair
    tokens = login(username, via=a)
    user_id = a.get(ME, headers=bearer(tokens["access_token"])).json["id"]

    assert (
        a.delete(f"/api/v1/users/{user_id}", headers=bearer(tokens["access_token"])).status_code
        == 204
    )

    assert_unauthorized(b.get(ME, headers=bearer(tokens["access_token"])))
    assert_unauthorized(b.post(REFRESH, headers=bearer(tokens["refresh_token"])))
    assert b.get(f"/api/v1/users/{user_id}").status_code == 404


def test_a_session_ended_on_one_instance_is_refused_on_another(pair, login):
    a, b, username = pair
    ending = login(username, via=a)
    staying = login(username, via=a)
    # The other instance has seen (and, with Redis, cached) the session as live.
    assert b.get(ME, headers=bearer(ending["access_token"])).status_code == 200
    session_id = claims(a.application, ending["access_token"])["sid"]

    response = a.delete(
        f"/api/v1/auth/sessions/{session_id}", headers=bearer(staying["access_token"])
    )

    assert response.status_code == 204
    assert_unauthorized(b.get(ME, headers=bearer(ending["access_token"])))
    assert b.get(ME, headers=bearer(staying["access_token"])).status_code == 200


def test_logging_out_everywhere_on_one_instance_is_refused_on_another(pair, login):
    a, b, username = pair
    one, two = login(username, via=a), login(username, via=b)
    assert b.get(ME, headers=bearer(one["access_token"])).status_code == 200

    assert a.delete("/api/v1/auth/sessions", headers=bearer(one["access_token"])).status_code == 204

    for tokens in (one, two):
        assert_unauthorized(b.get(ME, headers=bearer(tokens["access_token"])))
        assert_unauthorized(a.get(ME, headers=bearer(tokens["access_token"])))
