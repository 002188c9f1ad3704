"""POST /api/v1/auth/refresh: single-use refresh tokens with reuse detection."""

from __future__ import annotations

import sqlalchemy as sa

from project.auth.models import AuthSession, RefreshToken
from tests.auth.helpers import claims, me, refresh
from tests.kit import PASSWORD, REFRESH, assert_unauthorized, bearer, rows


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


def test_spent_refresh_token_is_401(client, login, alice):
    tokens = login("alice")
    assert refresh(client, tokens["refresh_token"]).status_code == 200

    response = refresh(client, tokens["refresh_token"])

    assert_unauthorized(response, "This refresh token was already used; the session is revoked.")


def test_reuse_revokes_the_whole_session(app, client, login, session, alice):
    tokens = login("alice")
    rotated = refresh(client, tokens["refresh_token"]).json
    other_session = login("alice")

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
