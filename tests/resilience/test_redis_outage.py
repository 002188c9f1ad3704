"""Redis stopped, hung, restarted empty: sessions stay ended, requests keep answering.

Each test runs an app on a redis-server of its own (`redis_server`) with rate
limits on, registers a user through it and deletes the user afterwards
(these apps commit for real). Redis is a fast path, never the only truth:
the database decides about sessions, flask-limiter counts in memory while
Redis is away, and the circuit breaker keeps a dead or hung Redis from
costing more than one timeout per retry interval.
"""

from __future__ import annotations

import logging
import time
import uuid

import pytest
from flask_jwt_extended import create_access_token

from project.auth.revocation import KEY_PREFIX
from tests.auth.helpers import forget_users, me, refresh
from tests.kit import LOGIN, LOGOUT, PASSWORD, assert_problem, assert_unauthorized, bearer

pytestmark = pytest.mark.committing

# Bounded per request, whatever Redis does: against a hung Redis each client
# times out once (0.5 s) before its fallback: the session cache, and the
# rate-limit storage on a password change (RATELIMIT_PASSWORD), so up to two
# timeouts, plus a loaded 2-core machine. Before the fix: 2-6 s, or forever.
REQUEST_BOUND = 2.5


def timed(call, *args, **kwargs):
    started = time.monotonic()
    response = call(*args, **kwargs)
    elapsed = time.monotonic() - started
    assert elapsed < REQUEST_BOUND, f"{elapsed:.2f} s"
    return response


def fail(redis_server, mode: str) -> None:
    {"stopped": redis_server.stop, "hung": redis_server.pause}[mode]()


# --- a logout is never undone ---------------------------------------------------


def test_logout_survives_a_redis_restart_without_persistence(service, redis_server, stored):
    s = service()
    tokens = s.login()
    assert me(s.client, tokens["access_token"]).status_code == 200
    assert stored.exists(KEY_PREFIX + s.sid(tokens["access_token"])) == 1  # cached live

    assert s.client.post(LOGOUT, headers=bearer(tokens["access_token"])).status_code == 204
    assert_unauthorized(me(s.client, tokens["access_token"]))
    redis_server.restart()  # empty: whatever Redis knew is gone

    assert_unauthorized(me(s.client, tokens["access_token"]), "The bearer token has been revoked.")
    assert_unauthorized(refresh(s.client, tokens["refresh_token"]))


def test_a_session_that_never_existed_is_refused(service, stored):
    s = service()
    sid = str(uuid.uuid4())
    with s.app.app_context():
        forged = create_access_token(identity=str(s.user_id), additional_claims={"sid": sid})

    assert_unauthorized(me(s.client, forged), "The bearer token has been revoked.")
    assert stored.exists(KEY_PREFIX + sid) == 0


@pytest.mark.parametrize("mode", ["stopped", "hung"])
def test_logout_while_redis_is_down_is_recorded(service, redis_server, mode):
    s = service()
    tokens = s.login()
    assert me(s.client, tokens["access_token"]).status_code == 200
    fail(redis_server, mode)

    response = timed(s.client.post, LOGOUT, headers=bearer(tokens["access_token"]))

    assert response.status_code == 204
    assert s.revoked_at(s.sid(tokens["access_token"])) is not None
    assert_unauthorized(timed(me, s.client, tokens["access_token"]))
    assert_unauthorized(timed(refresh, s.client, tokens["refresh_token"]))
    redis_server.restart()
    assert_unauthorized(me(s.client, tokens["access_token"]))


@pytest.mark.parametrize("mode", ["stopped", "hung"])
def test_password_change_while_redis_is_down_ends_the_sessions(service, redis_server, mode):
    s = service()
    tokens = s.login()
    assert me(s.client, tokens["access_token"]).status_code == 200
    fail(redis_server, mode)

    changed = timed(
        s.client.patch,
        f"/api/v1/users/{s.user_id}",
        json={"password": "newpassword1", "current_password": PASSWORD},
        headers=bearer(tokens["access_token"]),
    )

    assert changed.status_code == 200, changed.json
    assert s.revoked_at(s.sid(tokens["access_token"])) is not None
    assert_unauthorized(timed(me, s.client, tokens["access_token"]))
    assert s.login("newpassword1")["access_token"]
    redis_server.restart()
    assert_unauthorized(me(s.client, tokens["access_token"]))


def test_stale_live_key_from_a_hung_redis_is_not_trusted(service, redis_server, stored):
    """Redis hangs holding a live key; logout; Redis resumes with its old data."""
    s = service(REDIS_RETRY_INTERVAL=2)
    tokens = s.login()
    sid = s.sid(tokens["access_token"])
    assert me(s.client, tokens["access_token"]).status_code == 200
    redis_server.pause()
    assert timed(me, s.client, tokens["access_token"]).status_code == 200  # breaker opens

    assert timed(s.client.post, LOGOUT, headers=bearer(tokens["access_token"])).status_code == 204

    redis_server.resume()
    assert stored.exists(KEY_PREFIX + sid) == 1  # the stale key is back
    # Refused whether the breaker is still open or has let a call probe.
    deadline = time.monotonic() + 10
    while stored.exists(KEY_PREFIX + sid) and time.monotonic() < deadline:
        assert_unauthorized(me(s.client, tokens["access_token"]))
        time.sleep(0.2)
    assert stored.exists(KEY_PREFIX + sid) == 0  # swept on the first call that reached Redis
    assert_unauthorized(me(s.client, tokens["access_token"]))


# --- an outage is not a 500 storm -----------------------------------------------


@pytest.mark.parametrize("mode", ["stopped", "hung"])
def test_every_route_answers_normally_while_redis_is_down(service, redis_server, mode):
    s = service()
    tokens = s.login()
    fail(redis_server, mode)
    client = s.client

    assert timed(me, client, tokens["access_token"]).status_code == 200
    registered = timed(
        client.post,
        "/api/v1/users",
        json={"username": s.username + "x", "email": f"{s.username}x@example.com",
              "password": PASSWORD},
    )  # fmt: skip
    assert registered.status_code == 201, registered.json
    forget_users(s.app, s.username + "x")
    wrong = timed(client.post, LOGIN, json={"login": s.username, "password": "wrong-password"})
    assert_unauthorized(wrong)
    logged_in = timed(client.post, LOGIN, json={"login": s.username, "password": PASSWORD})
    assert logged_in.status_code == 200
    rotated = timed(refresh, client, logged_in.json["refresh_token"])
    assert rotated.status_code == 200
    posted = timed(
        client.post,
        "/api/v1/posts",
        json={"title": "During the outage", "body": "Still here.", "status": "published"},
        headers=bearer(rotated.json["access_token"]),
    )
    assert posted.status_code == 201, posted.json
    assert timed(client.get, "/api/v1/posts").status_code == 200
    ready = timed(client.get, "/health/ready")
    assert ready.status_code == 200
    assert ready.json["checks"]["redis"] == "degraded"
    logout = timed(client.post, LOGOUT, headers=bearer(rotated.json["access_token"]))
    assert logout.status_code == 204
    assert_unauthorized(timed(me, client, rotated.json["access_token"]))


@pytest.mark.parametrize("mode", ["stopped", "hung"])
def test_rate_limits_are_still_enforced_while_redis_is_down(service, redis_server, mode):
    s = service(RATELIMIT_AUTH="3 per minute")
    fail(redis_server, mode)

    def attempt():
        return timed(s.client.post, LOGIN, json={"login": s.username, "password": "wrong-pass"})

    for _ in range(3):
        assert_unauthorized(attempt())
    body = assert_problem(attempt(), 429)
    assert "3 per 1 minute" in body["detail"]


def test_the_outage_is_logged_once_per_interval_without_tracebacks(service, redis_server, caplog):
    s = service()
    tokens = s.login()
    redis_server.stop()

    with caplog.at_level(logging.INFO):
        for _ in range(20):
            assert me(s.client, tokens["access_token"]).status_code == 200
            assert s.client.get("/health/ready").status_code == 200

    ours = [r for r in caplog.records if r.name == "project.common.redis"]
    assert [r.levelno for r in ours] == [logging.WARNING]
    assert "Redis unavailable" in ours[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_everything_uses_redis_again_when_it_returns(service, redis_server, stored):
    s = service(REDIS_RETRY_INTERVAL=0.3)
    tokens = s.login()
    sid = s.sid(tokens["access_token"])
    redis_server.stop()
    assert me(s.client, tokens["access_token"]).status_code == 200
    assert s.client.get("/health/ready").json["checks"]["redis"] == "degraded"
    wrong = {"login": s.username, "password": "wrong-password"}
    assert s.client.post(LOGIN, json=wrong).status_code == 401  # counted in memory

    redis_server.start()  # empty, same address; the app is not rebuilt
    time.sleep(0.4)  # past REDIS_RETRY_INTERVAL

    assert me(s.client, tokens["access_token"]).status_code == 200
    assert stored.exists(KEY_PREFIX + sid) == 1  # sessions are cached again
    assert s.client.get("/health/ready").json == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok"},
    }
    # flask-limiter probes its storage on its own back-off schedule (at most 32 s).
    deadline = time.monotonic() + 40
    while not stored.keys("*postwell:limits*") and time.monotonic() < deadline:
        assert s.client.post(LOGIN, json=wrong).status_code == 401
        time.sleep(0.5)
    assert stored.keys("*postwell:limits*"), "rate limits never went back to Redis"


# --- readiness -------------------------------------------------------------------


def test_ready_is_degraded_while_redis_is_down(service, redis_server):
    s = service()
    assert s.client.get("/health/ready").json["checks"]["redis"] == "ok"
    redis_server.stop()

    response = s.client.get("/health/ready")

    assert response.status_code == 200
    assert response.json == {
        "status": "degraded",
        "checks": {"database": "ok", "redis": "degraded"},
    }


@pytest.mark.parametrize("mode", ["stopped", "hung"])
def test_ready_is_503_when_redis_is_required(service, redis_server, mode):
    s = service(REDIS_REQUIRED=True)
    assert s.client.get("/health/ready").status_code == 200
    fail(redis_server, mode)

    body = assert_problem(timed(s.client.get, "/health/ready"), 503)

    assert body["detail"] == "Not ready: redis unavailable."
    # /health/live does not depend on Redis at all.
    assert timed(s.client.get, "/health/live").status_code == 200
