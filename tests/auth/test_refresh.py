"""POST /api/v1/auth/refresh: single-use refresh tokens with reuse detection."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from project.auth.models import AuthSession, RefreshToken
from tests.auth.helpers import claims, me, refresh
from tests.kit import PASSWORD, REFRESH, assert_unauthorized, bearer, count, rows


def test_refresh_returns_a_new_pair_in_the_same_session(app, client, login, session, alice):
    tokens = login("alice")

    response = refresh(client, tokens["refresh_token"])

    assert response.status_code == 200
    new = response.json
    assert set(new) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert new["token_type"] == "Bearer"
    assert new["expires_in"] == int(app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds())
    assert new["refresh_token"] != tokens["refresh_token"]
    assert new["access_token"] != tokens["access_token"]
    old_claims = claims(app, tokens["refresh_token"])
    new_claims = claims(app, new["refresh_token"])
    assert new_claims["sid"] == old_claims["sid"]
    assert new_claims["jti"] != old_claims["jti"]
    assert me(client, new["access_token"]).json["id"] == alice.id
    # The old access token keeps working until it expires: only refresh tokens rotate.
    assert me(client, tokens["access_token"]).status_code == 200

    # Stored: the old refresh token is spent, the new one is not, the session was refreshed.
    used = {
        row["jti"]: row["used_at"] is not None
        for row in rows(session, sa.select(RefreshToken.jti, RefreshToken.used_at))
    }
    assert used == {old_claims["jti"]: True, new_claims["jti"]: False}
    [stored] = rows(session, sa.select(AuthSession.__table__))
    assert stored["id"] == old_claims["sid"]
    assert stored["last_refreshed_at"] is not None
    assert stored["revoked_at"] is None


def test_rotated_tokens_can_be_rotated_again(client, login, alice):
    tokens = login("alice")

    for _ in range(3):
        response = refresh(client, tokens["refresh_token"])
        assert response.status_code == 200
        tokens = response.json

    assert me(client, tokens["access_token"]).status_code == 200


def test_spent_refresh_token_is_401_after_the_reuse_interval(app, client, login, alice, auth_clock):
    tokens = login("alice")
    assert refresh(client, tokens["refresh_token"]).status_code == 200
    auth_clock.advance(app.config["JWT_REFRESH_REUSE_INTERVAL"] + 1)

    response = refresh(client, tokens["refresh_token"])

    assert_unauthorized(response, "This refresh token was already used; the session is revoked.")


def test_reuse_revokes_the_whole_session(app, client, login, session, alice, auth_clock):
    tokens = login("alice")
    rotated = refresh(client, tokens["refresh_token"]).json
    other_session = login("alice")
    auth_clock.advance(app.config["JWT_REFRESH_REUSE_INTERVAL"] + 1)

    assert refresh(client, tokens["refresh_token"]).status_code == 401

    # Everything issued in that session is dead, including the rotated pair...
    assert_unauthorized(me(client, rotated["access_token"]))
    assert_unauthorized(refresh(client, rotated["refresh_token"]))
    assert_unauthorized(me(client, tokens["access_token"]))
    # ...and the revocation is stored.
    revoked = rows(session, sa.select(AuthSession.id).where(AuthSession.revoked_at.is_not(None)))
    assert revoked == [{"id": claims(app, tokens["refresh_token"])["sid"]}]
    # Another login's session is unaffected.
    assert me(client, other_session["access_token"]).status_code == 200
    assert refresh(client, other_session["refresh_token"]).status_code == 200


def test_access_token_cannot_refresh(client, login, alice):
    tokens = login("alice")

    assert_unauthorized(refresh(client, tokens["access_token"]))
    # ...and that attempt did not spend or revoke anything.
    assert refresh(client, tokens["refresh_token"]).status_code == 200


def test_refresh_token_is_not_an_access_token(client, login, alice):
    tokens = login("alice")

    assert_unauthorized(me(client, tokens["refresh_token"]))
    assert_unauthorized(
        client.patch(
            f"/api/v1/users/{alice.id}",
            json={"bio": "x"},
            headers=bearer(tokens["refresh_token"]),
        )
    )


def test_refresh_needs_a_token(client):
    assert_unauthorized(client.post(REFRESH))


def test_refresh_after_password_change_is_401(client, login, alice):
    tokens = login("alice")
    client.patch(
        f"/api/v1/users/{alice.id}",
        json={"password": "newpassword1", "current_password": PASSWORD},
        headers=bearer(tokens["access_token"]),
    )

    assert_unauthorized(refresh(client, tokens["refresh_token"]))


# --- a client racing itself: JWT_REFRESH_REUSE_INTERVAL -------------------------


def successors(session, sid: str) -> list[dict]:
    """The session's refresh-token rows as stored: jti, spent?, replaced_by."""
    return rows(
        session,
        sa.select(RefreshToken.jti, RefreshToken.used_at, RefreshToken.replaced_by).where(
            RefreshToken.session_id == sid
        ),
    )


def test_reuse_within_the_interval_gets_the_same_successor(app, client, login, session, alice):
    tokens = login("alice")
    first = refresh(client, tokens["refresh_token"])

    again = refresh(client, tokens["refresh_token"])

    assert first.status_code == 200 and again.status_code == 200, again.json
    first_claims = claims(app, first.json["refresh_token"])
    again_claims = claims(app, again.json["refresh_token"])
    assert again_claims["jti"] == first_claims["jti"]
    assert again_claims["sid"] == first_claims["sid"]
    # Both pairs work: the session is not revoked.
    assert me(client, again.json["access_token"]).status_code == 200
    assert me(client, first.json["access_token"]).status_code == 200
    # Stored: the spent token points at its one successor, which is unspent;
    # the second answer recorded nothing new.
    old_jti = claims(app, tokens["refresh_token"])["jti"]
    stored = {row["jti"]: row for row in successors(session, first_claims["sid"])}
    assert set(stored) == {old_jti, first_claims["jti"]}
    assert stored[old_jti]["used_at"] is not None
    assert stored[old_jti]["replaced_by"] == first_claims["jti"]
    assert stored[first_claims["jti"]]["used_at"] is None
    assert count(session, AuthSession, AuthSession.revoked_at.is_not(None)) == 0


def test_the_reissued_successor_is_still_single_use(app, client, login, alice):
    tokens = login("alice")
    first = refresh(client, tokens["refresh_token"]).json
    again = refresh(client, tokens["refresh_token"]).json

    # Either copy of the successor rotates once...
    assert refresh(client, again["refresh_token"]).status_code == 200
    # ...and then the original's successor is spent: reusing the original now
    # is reuse detection, even within the interval.
    assert_unauthorized(
        refresh(client, tokens["refresh_token"]),
        "This refresh token was already used; the session is revoked.",
    )
    assert_unauthorized(me(client, first["access_token"]))


def test_reissued_refresh_token_expires_with_its_recorded_row(app, client, login, session, alice):
    tokens = login("alice")
    refresh(client, tokens["refresh_token"])

    again = refresh(client, tokens["refresh_token"]).json

    reissued = claims(app, again["refresh_token"])
    [row] = rows(
        session, sa.select(RefreshToken.expires_at).where(RefreshToken.jti == reissued["jti"])
    )
    assert abs(reissued["exp"] - row["expires_at"].timestamp()) <= 2


def test_reuse_just_after_the_interval_revokes(app, client, login, session, alice, auth_clock):
    tokens = login("alice")
    rotated = refresh(client, tokens["refresh_token"]).json
    auth_clock.advance(app.config["JWT_REFRESH_REUSE_INTERVAL"] + 0.5)

    assert_unauthorized(refresh(client, tokens["refresh_token"]))

    assert_unauthorized(me(client, rotated["access_token"]))
    assert count(session, AuthSession, AuthSession.revoked_at.is_not(None)) == 1


def test_refresh_moves_the_session_expiry_forward(app, client, login, session, alice, auth_clock):
    tokens = login("alice")
    sid = claims(app, tokens["refresh_token"])["sid"]
    [before] = rows(session, sa.select(AuthSession.expires_at).where(AuthSession.id == sid))
    auth_clock.advance(3600)

    assert refresh(client, tokens["refresh_token"]).status_code == 200

    [after] = rows(session, sa.select(AuthSession.expires_at).where(AuthSession.id == sid))
    assert after["expires_at"] - before["expires_at"] >= timedelta(minutes=59)


def test_a_zero_interval_turns_the_grace_off(app, client, login, alice, monkeypatch):
    monkeypatch.setitem(app.config, "JWT_REFRESH_REUSE_INTERVAL", 0)
    tokens = login("alice")
    rotated = refresh(client, tokens["refresh_token"]).json

    assert_unauthorized(
        refresh(client, tokens["refresh_token"]),
        "This refresh token was already used; the session is revoked.",
    )
    assert_unauthorized(me(client, rotated["access_token"]))
