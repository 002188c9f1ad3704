"""POST /api/v1/auth/login."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from project.auth.models import AuthSession, RefreshToken
from project.extensions import db
from tests.auth.helpers import claims, forget_users
from tests.kit import (
    LOGIN,
    ME,
    PASSWORD,
    REFRESH,
    assert_problem,
    assert_unauthorized,
    bearer,
    count,
    field_errors,
    register,
    rows,
    stored_user,
)

INVALID = "Invalid username/email or password."


def post_login(client, login: str, password: str = PASSWORD, **kwargs):
    return client.post(LOGIN, json={"login": login, "password": password}, **kwargs)


@pytest.mark.parametrize(
    "name", ["alice", "ALICE", "Alice", "alice@example.com", "ALICE@Example.COM"]
)
def test_login_by_username_or_email_case_insensitively(client, alice, name):
    response = post_login(client, name)

    assert response.status_code == 200
    me = client.get(ME, headers=bearer(response.json["access_token"]))
    assert me.json["id"] == alice.id


def test_login_response_shape(app, client, alice):
    response = post_login(client, "alice")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.json
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    expected = int(app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds())
    assert body["expires_in"] == expected
    assert body["access_token"] != body["refresh_token"]

    access = claims(app, body["access_token"])
    refresh = claims(app, body["refresh_token"])
    assert access["type"] == "access"
    assert refresh["type"] == "refresh"
    assert access["sub"] == refresh["sub"] == str(alice.id)
    assert access["sid"] == refresh["sid"]
    assert access["exp"] - access["iat"] == expected
    assert refresh["exp"] > access["exp"]


def test_login_records_a_session_and_a_refresh_token(app, client, session, alice):
    response = post_login(
        client,
        "alice",
        headers={"User-Agent": "pytest-agent/1.0"},
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )
    refresh = claims(app, response.json["refresh_token"])

    sessions = rows(
        session, sa.select(AuthSession.__table__).where(AuthSession.user_id == alice.id)
    )
    assert [s["id"] for s in sessions] == [refresh["sid"]]
    assert sessions[0]["revoked_at"] is None
    assert sessions[0]["user_agent"] == "pytest-agent/1.0"
    assert sessions[0]["ip_address"] == "203.0.113.7"
    assert sessions[0]["expires_at"] > sessions[0]["created_at"]
    tokens = rows(session, sa.select(RefreshToken.__table__))
    assert [(t["jti"], t["session_id"], t["used_at"]) for t in tokens] == [
        (refresh["jti"], refresh["sid"], None)
    ]


def test_each_login_is_a_separate_session(app, client, alice):
    first = post_login(client, "alice").json
    second = post_login(client, "alice").json

    assert claims(app, first["access_token"])["sid"] != claims(app, second["access_token"])["sid"]


def test_wrong_password_and_unknown_user_get_identical_answers(client, alice):
    wrong_password = post_login(client, "alice", "not-the-password")
    unknown_user = post_login(client, "nobody", PASSWORD)
    unknown_email = post_login(client, "nobody@example.com", PASSWORD)

    bodies = []
    for response in (wrong_password, unknown_user, unknown_email):
        body = assert_unauthorized(response, INVALID)
        body.pop("request_id", None)
        bodies.append(body)
    assert bodies[0] == bodies[1] == bodies[2]
    assert wrong_password.headers["WWW-Authenticate"] == unknown_user.headers["WWW-Authenticate"]


def test_failed_login_creates_no_session(client, session, alice):
    post_login(client, "alice", "not-the-password")

    assert count(session, AuthSession) == 0


def test_password_is_case_sensitive(client, alice):
    assert_unauthorized(post_login(client, "alice", PASSWORD.upper()), INVALID)


def test_email_login_needs_the_whole_address(client, alice):
    assert_unauthorized(post_login(client, "alice@example", PASSWORD), INVALID)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"password": PASSWORD}, "login"),
        ({"login": "alice"}, "password"),
        ({"login": "", "password": PASSWORD}, "login"),
        ({"login": "alice", "password": ""}, "password"),
        ({"login": "alice", "password": "x" * 129}, "password"),
        ({"login": "a" * 255, "password": PASSWORD}, "login"),
        ({"login": "alice", "password": PASSWORD, "remember": True}, "remember"),
    ],
)
def test_login_validation_is_422(client, alice, body, field):
    assert field in field_errors(client.post(LOGIN, json=body))


def test_login_is_not_rate_limited_in_the_testing_config(client, alice):
    for _ in range(15):
        assert post_login(client, "alice", "wrong-password").status_code == 401
    assert post_login(client, "alice").status_code == 200


def test_login_with_a_bad_body_is_a_problem(client):
    assert_problem(client.post(LOGIN, data="{", content_type="application/json"), 400)


def test_login_only_accepts_post(client):
    response = client.get(LOGIN)

    assert_problem(response, 405)


def test_tokens_from_login_work_for_refresh(client, alice):
    tokens = post_login(client, "alice").json

    response = client.post(REFRESH, headers=bearer(tokens["refresh_token"]))

    assert response.status_code == 200


def test_login_upgrades_a_hash_made_with_other_cost_parameters(client, session, user_factory):
    old_hash = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1).hash(PASSWORD)
    user = user_factory(username="legacy", password_hash=old_hash)

    assert post_login(client, "legacy").status_code == 200

    stored = stored_user(session, user.id)["password_hash"]
    assert stored != old_hash
    assert "$m=1024,t=1,p=1$" in stored
    # ...and the upgraded hash still verifies the same password.
    assert post_login(client, "legacy").status_code == 200
    assert_unauthorized(post_login(client, "legacy", "wrong-password"), INVALID)


def test_a_rehash_keeps_the_users_version_and_etag(client, session, legacy_user):
    user, old_hash = legacy_user, legacy_user.password_hash
    before = client.get(f"/api/v1/users/{user.id}")
    version = stored_user(session, user.id)["version"]

    assert post_login(client, "legacy").status_code == 200

    assert stored_user(session, user.id)["password_hash"] != old_hash
    assert stored_user(session, user.id)["version"] == version
    after = client.get(f"/api/v1/users/{user.id}")
    assert after.headers["ETag"] == before.headers["ETag"]
    assert after.json == before.json


@pytest.fixture
def legacy_user(user_factory):
    """A user whose stored hash was made with other argon2 parameters (a login rehashes it)."""
    old_hash = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1).hash(PASSWORD)
    return user_factory(username="legacy", password_hash=old_hash)


def concurrent_hash(password: str) -> str:
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(password)


def store_hash_meanwhile(user_id: int, password_hash: str) -> None:
    """What another request commits while this one is between its reads and writes."""
    db.session.execute(
        sa.text("UPDATE users SET password_hash = :hash, version = version + 1 WHERE id = :id"),
        {"hash": password_hash, "id": user_id},
    )
    db.session.commit()


def test_a_login_whose_rehash_lost_to_another_login_still_succeeds(
    client, session, legacy_user, monkeypatch
):
    """Another login stored its own new hash of the same password in between: no
    412 (the flush's version check used to fail this one), and theirs stays."""
    from project.users import services as user_services

    theirs = concurrent_hash(PASSWORD)
    real_hash_password = user_services.hash_password

    def hash_while_another_login_rehashes(password):
        store_hash_meanwhile(legacy_user.id, theirs)
        return real_hash_password(password)

    monkeypatch.setattr(user_services, "hash_password", hash_while_another_login_rehashes)

    response = post_login(client, "legacy")

    assert response.status_code == 200, response.json
    assert stored_user(session, legacy_user.id)["password_hash"] == theirs


@pytest.mark.parametrize("rehashed", [True, False])
def test_a_password_changed_during_the_login_refuses_it(
    client, session, alice, legacy_user, monkeypatch, rehashed
):
    """The password was reset between its check and the new session: the login is
    a 401 and leaves no session (the reset would not have ended it)."""
    from project.auth import services as auth_services

    user = legacy_user if rehashed else alice
    real_authenticate = auth_services.authenticate

    def authenticate_then_reset(login, password):
        found = real_authenticate(login, password)
        store_hash_meanwhile(user.id, concurrent_hash("a-new-password"))
        return found

    monkeypatch.setattr(auth_services, "authenticate", authenticate_then_reset)

    response = post_login(client, user.username)

    assert_unauthorized(response, INVALID)
    assert count(session, AuthSession, AuthSession.user_id == user.id) == 0
    monkeypatch.undo()
    assert post_login(client, user.username, "a-new-password").status_code == 200


def test_login_keeps_a_current_hash(client, session, alice):
    before = stored_user(session, alice.id)["password_hash"]

    post_login(client, "alice")

    assert stored_user(session, alice.id)["password_hash"] == before


@pytest.mark.parametrize(
    ("remote_addr", "stored"),
    [
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7 ", "203.0.113.7"),
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("::ffff:198.51.100.4", "198.51.100.4"),
        ("fe80::1%" + "e" * 60, "fe80::1"),
        ("1.2.3.4, " * 30 + "5.6.7.8", None),  # a whole X-Forwarded-For list
        ("x" * 200, None),
        ("not-an-address", None),
        ("", None),
    ],
)
def test_login_stores_only_a_parsed_client_address(client, session, alice, remote_addr, stored):
    """The address comes from the socket or X-Forwarded-For (ProxyFix): never trusted as text."""
    response = post_login(client, "alice", environ_base={"REMOTE_ADDR": remote_addr})

    assert response.status_code == 200, response.json
    sessions = rows(
        session, sa.select(AuthSession.__table__).where(AuthSession.user_id == alice.id)
    )
    assert [s["ip_address"] for s in sessions] == [stored]


@pytest.mark.committing  # its own app (ProxyFix on); commits and deletes its user
def test_long_x_forwarded_for_behind_proxy_fix_is_not_a_500(build_app):
    proxied = build_app(PROXY_FIX_X_FOR=1)
    client = proxied.test_client()
    username = "xff_" + uuid.uuid4().hex[:12]
    register(client, username)
    try:
        for forwarded, stored in [("x" * 300, None), ("2001:db8::" + "0" * 100, None)]:
            response = post_login(client, username, headers={"X-Forwarded-For": forwarded})
            assert response.status_code == 200, response.json
            sid = claims(proxied, response.json["refresh_token"])["sid"]
            with proxied.app_context():
                assert db.session.get(AuthSession, sid).ip_address == stored
        response = post_login(client, username, headers={"X-Forwarded-For": "198.51.100.9"})
        sid = claims(proxied, response.json["refresh_token"])["sid"]
        with proxied.app_context():
            assert db.session.get(AuthSession, sid).ip_address == "198.51.100.9"
    finally:
        forget_users(proxied, username)
