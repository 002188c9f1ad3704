"""POST /api/v1/auth/logout."""

from __future__ import annotations

import uuid

import pytest
import redis

from project.auth.models import AuthSession
from project.auth.revocation import KEY_PREFIX
from tests.auth.helpers import claims, encode, forget_users, me, refresh
from tests.kit import LOGOUT, assert_unauthorized, bearer, count, field_errors, register


def test_logout_with_access_token_ends_the_session(app, client, login, session, alice):
    tokens = login("alice")

    response = client.post(LOGOUT, headers=bearer(tokens["access_token"]))

    assert response.status_code == 204
    assert response.get_data() == b""
    assert_unauthorized(me(client, tokens["access_token"]), "The bearer token has been revoked.")
    assert_unauthorized(refresh(client, tokens["refresh_token"]))
    sid = claims(app, tokens["access_token"])["sid"]
    assert (
        count(session, AuthSession, AuthSession.id == sid, AuthSession.revoked_at.is_not(None)) == 1
    )


def test_logout_leaves_other_sessions_alone(client, login, alice):
    ending = login("alice")
    staying = login("alice")

    client.post(LOGOUT, headers=bearer(ending["access_token"]))

    assert me(client, staying["access_token"]).status_code == 200
    assert refresh(client, staying["refresh_token"]).status_code == 200


def test_logout_with_refresh_token_as_bearer(client, login, alice):
    tokens = login("alice")

    response = client.post(LOGOUT, headers=bearer(tokens["refresh_token"]))

    assert response.status_code == 204
    assert_unauthorized(me(client, tokens["access_token"]))
    assert_unauthorized(refresh(client, tokens["refresh_token"]))


def test_logout_with_refresh_token_in_body_revokes_that_session_too(client, login, alice):
    first = login("alice")
    second = login("alice")
    third = login("alice")

    response = client.post(
        LOGOUT,
        json={"refresh_token": second["refresh_token"]},
        headers=bearer(first["access_token"]),
    )

    assert response.status_code == 204
    for tokens in (first, second):
        assert_unauthorized(me(client, tokens["access_token"]))
        assert_unauthorized(refresh(client, tokens["refresh_token"]))
    assert me(client, third["access_token"]).status_code == 200


def test_logout_with_own_sessions_refresh_token_in_body(client, login, alice):
    tokens = login("alice")

    response = client.post(
        LOGOUT,
        json={"refresh_token": tokens["refresh_token"]},
        headers=bearer(tokens["access_token"]),
    )

    assert response.status_code == 204
    assert_unauthorized(refresh(client, tokens["refresh_token"]))


def test_logout_twice_is_401(client, login, alice):
    tokens = login("alice")
    client.post(LOGOUT, headers=bearer(tokens["access_token"]))

    assert_unauthorized(client.post(LOGOUT, headers=bearer(tokens["access_token"])))


def test_logout_needs_a_token(client):
    assert_unauthorized(client.post(LOGOUT))


@pytest.mark.parametrize("garbage", ["garbage", "a.b.c", "x" * 4097, "Bearer x.y.z"])
def test_logout_with_garbage_refresh_token_is_422_and_changes_nothing(
    client, login, alice, garbage
):
    tokens = login("alice")

    response = client.post(
        LOGOUT, json={"refresh_token": garbage}, headers=bearer(tokens["access_token"])
    )

    assert "refresh_token" in field_errors(response)
    # The failed logout revoked nothing.
    assert me(client, tokens["access_token"]).status_code == 200
    assert refresh(client, tokens["refresh_token"]).status_code == 200


def test_logout_with_someone_elses_refresh_token_is_422(client, login, alice, bob):
    mine = login("alice")
    theirs = login("bob")

    response = client.post(
        LOGOUT,
        json={"refresh_token": theirs["refresh_token"]},
        headers=bearer(mine["access_token"]),
    )

    assert "refresh_token" in field_errors(response)
    assert me(client, theirs["access_token"]).status_code == 200
    assert me(client, mine["access_token"]).status_code == 200


def test_logout_with_an_access_token_in_body_is_422(client, login, alice):
    first = login("alice")
    second = login("alice")

    response = client.post(
        LOGOUT,
        json={"refresh_token": second["access_token"]},
        headers=bearer(first["access_token"]),
    )

    assert "refresh_token" in field_errors(response)
    assert me(client, second["access_token"]).status_code == 200


def test_logout_with_a_forged_refresh_token_in_body_is_422(app, client, login, alice):
    first = login("alice")
    second = login("alice")
    forged = encode(claims(app, second["refresh_token"]), "some-other-key-" * 4)

    response = client.post(
        LOGOUT, json={"refresh_token": forged}, headers=bearer(first["access_token"])
    )

    assert "refresh_token" in field_errors(response)


def test_logout_rejects_unknown_body_fields(client, login, alice):
    tokens = login("alice")

    response = client.post(
        LOGOUT, json={"everywhere": True}, headers=bearer(tokens["access_token"])
    )

    assert "everywhere" in field_errors(response)


@pytest.mark.committing
def test_logout_deletes_the_sessions_live_key(build_app, redis_url, login):
    """Redis caches live sessions only: login caches its session, logout drops it."""
    instance = build_app(REDIS_URL=redis_url)
    client = instance.test_client()
    username = "redis_" + uuid.uuid4().hex[:12]
    register(client, username)
    stored = redis.Redis.from_url(redis_url)
    sid = None
    try:
        tokens = login(username, via=client)
        sid = claims(instance, tokens["access_token"])["sid"]
        # The login cached its new session; requests keep it cached.
        assert 0 < stored.ttl(KEY_PREFIX + sid) <= instance.config["SESSION_CACHE_TTL"]
        assert me(client, tokens["access_token"]).status_code == 200
        assert 0 < stored.ttl(KEY_PREFIX + sid) <= instance.config["SESSION_CACHE_TTL"]

        assert client.post(LOGOUT, headers=bearer(tokens["access_token"])).status_code == 204

        assert stored.exists(KEY_PREFIX + sid) == 0
        assert_unauthorized(me(client, tokens["access_token"]))
        assert stored.exists(KEY_PREFIX + sid) == 0
    finally:
        if sid:
            stored.delete(KEY_PREFIX + sid)
        stored.close()
        forget_users(instance, username)
