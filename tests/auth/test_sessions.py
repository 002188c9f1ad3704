"""GET/DELETE /api/v1/auth/sessions and DELETE /api/v1/auth/sessions/{id}."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from project.auth.models import AuthSession
from tests.auth.helpers import claims, me, refresh
from tests.kit import assert_problem, assert_unauthorized, bearer, count, walk

SESSIONS = "/api/v1/auth/sessions"
UA = {"User-Agent": "SessionTest/1.0"}


def sid(app, tokens) -> str:
    return claims(app, tokens["access_token"])["sid"]


def stored_session(session, session_id: str) -> AuthSession:
    session.expire_all()
    return session.get(AuthSession, session_id)


def test_lists_the_callers_live_sessions_newest_first(app, client, login, session, alice, bob):
    first = login("alice")
    ended = login("alice")
    client.post("/api/v1/auth/logout", headers=bearer(ended["access_token"]))
    response = client.post(
        "/api/v1/auth/login",
        json={"login": "alice", "password": "password123"},
        headers=UA,
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )
    last = response.json
    login("bob")

    response = client.get(SESSIONS, headers=bearer(first["access_token"]))

    assert response.status_code == 200
    items = response.json["items"]
    assert [item["id"] for item in items] == [sid(app, last), sid(app, first)]
    assert response.json["next_cursor"] is None
    newest, oldest = items
    assert newest["user_agent"] == "SessionTest/1.0"
    assert newest["client_address"] == "203.0.113.7"
    assert newest["current"] is False and oldest["current"] is True
    assert set(newest) == {
        "id",
        "created_at",
        "last_used_at",
        "user_agent",
        "client_address",
        "current",
    }
    stored = stored_session(session, sid(app, last))
    assert newest["created_at"] == stored.created_at.isoformat()
    assert newest["last_used_at"] == stored.last_used_at.isoformat()


def test_sessions_page_with_a_cursor(app, client, login, alice):
    logins = [login("alice") for _ in range(5)]
    expected = [sid(app, tokens) for tokens in reversed(logins)]

    pages = list(walk(client, f"{SESSIONS}?limit=2", bearer(logins[0]["access_token"])))

    assert len(pages) == 3
    assert [item["id"] for page in pages for item in page.json["items"]] == expected


def test_listing_needs_a_token(client):
    assert_unauthorized(client.get(SESSIONS))


def test_a_forged_cursor_is_422(client, auth, alice):
    response = client.get(f"{SESSIONS}?cursor=bm9wZQ", headers=auth(alice))
    assert_problem(response, 422)


def test_ending_one_session_refuses_its_tokens_at_once(app, client, login, session, alice):
    staying = login("alice")
    ending = login("alice")

    response = client.delete(
        f"{SESSIONS}/{sid(app, ending)}", headers=bearer(staying["access_token"])
    )

    assert response.status_code == 204
    assert response.get_data() == b""
    assert_unauthorized(me(client, ending["access_token"]), "The bearer token has been revoked.")
    assert_unauthorized(refresh(client, ending["refresh_token"]))
    assert me(client, staying["access_token"]).status_code == 200
    assert stored_session(session, sid(app, ending)).revoked_at is not None
    assert stored_session(session, sid(app, staying)).revoked_at is None


def test_ending_the_current_session_logs_this_token_out(app, client, login, alice):
    tokens = login("alice")

    response = client.delete(
        f"{SESSIONS}/{sid(app, tokens)}", headers=bearer(tokens["access_token"])
    )

    assert response.status_code == 204
    assert_unauthorized(me(client, tokens["access_token"]))


@pytest.mark.parametrize("whose", ["another user's", "unknown", "already ended"])
def test_ending_a_session_that_is_not_yours_and_live_is_404(
    app, client, login, session, alice, bob, whose
):
    mine = login("alice")
    if whose == "another user's":
        target = sid(app, login("bob"))
    elif whose == "unknown":
        target = str(uuid.uuid4())
    else:
        ended = login("alice")
        client.post("/api/v1/auth/logout", headers=bearer(ended["access_token"]))
        target = sid(app, ended)

    response = client.delete(f"{SESSIONS}/{target}", headers=bearer(mine["access_token"]))

    assert_problem(response, 404, "No such session.")
    if whose == "another user's":
        assert stored_session(session, target).revoked_at is None


def test_log_out_everywhere(app, client, login, session, alice, bob):
    one, two = login("alice"), login("alice")
    bobs = login("bob")

    response = client.delete(SESSIONS, headers=bearer(one["access_token"]))

    assert response.status_code == 204
    for tokens in (one, two):
        assert_unauthorized(me(client, tokens["access_token"]))
        assert_unauthorized(refresh(client, tokens["refresh_token"]))
    assert me(client, bobs["access_token"]).status_code == 200
    assert (
        count(
            session, AuthSession, AuthSession.user_id == alice.id, AuthSession.revoked_at.is_(None)
        )
        == 0
    )


def test_last_used_at_is_written_at_most_once_a_minute(
    app, client, login, session, alice, auth_clock, capture_sql
):
    tokens = login("alice")
    session_id = sid(app, tokens)
    at_login = stored_session(session, session_id).last_used_at
    assert at_login is not None

    auth_clock.advance(30)
    with capture_sql() as statements:
        assert me(client, tokens["access_token"]).status_code == 200
    assert not any("UPDATE auth_sessions" in s.sql for s in statements)
    assert stored_session(session, session_id).last_used_at == at_login

    auth_clock.advance(31)
    assert me(client, tokens["access_token"]).status_code == 200
    touched = stored_session(session, session_id).last_used_at
    assert touched - at_login >= timedelta(seconds=61)

    auth_clock.advance(10)
    with capture_sql() as statements:
        assert me(client, tokens["access_token"]).status_code == 200
    assert not any("UPDATE auth_sessions" in s.sql for s in statements)
    assert stored_session(session, session_id).last_used_at == touched

    listed = client.get(SESSIONS, headers=bearer(tokens["access_token"])).json["items"][0]
    assert listed["last_used_at"] == touched.isoformat()


def test_another_process_touched_recently_so_no_write(
    app, client, login, session, alice, auth_clock
):
    """The conditional UPDATE keeps one write a minute even when a process must ask."""
    from project.auth import services

    tokens = login("alice")
    session_id = sid(app, tokens)
    auth_clock.advance(61)
    recent = auth_clock.now() - timedelta(seconds=5)
    session.execute(
        sa.update(AuthSession).where(AuthSession.id == session_id).values(last_used_at=recent)
    )
    session.commit()

    assert me(client, tokens["access_token"]).status_code == 200

    assert services.recent_touches.due(session_id, auth_clock.now()) is False
    assert stored_session(session, session_id).last_used_at == recent
