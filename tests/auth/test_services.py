"""The token lifecycle, called without HTTP: login, logout, ending every session."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from project.auth import services
from project.auth.models import AuthSession
from project.auth.tokens import read_claims
from project.common.exceptions import InvalidCredentials, InvalidInput
from project.users.services import get_user
from tests.kit import PASSWORD, rows

# Services run inside an app context, as under a CLI command (pytest-flask pushes one).
pytestmark = pytest.mark.usefixtures("app")


def log_in(user, **request):
    return services.login(
        login=user.username,
        password=PASSWORD,
        user_agent=request.get("user_agent"),
        client_address=request.get("client_address"),
    )


def sessions_of(session, user):
    return rows(session, select(AuthSession.__table__).where(AuthSession.user_id == user.id))


def test_login_records_a_session_with_what_the_route_passed(alice, session):
    pair = log_in(alice, user_agent="x" * 300, client_address="203.0.113.9")
    (stored,) = sessions_of(session, alice)
    assert stored["user_agent"] == "x" * 255
    assert stored["ip_address"] == "203.0.113.9"
    assert read_claims(pair.access_token)["sid"] == stored["id"]
    assert read_claims(pair.refresh_token)["sid"] == stored["id"]
    assert pair.token_type == "Bearer"


def test_wrong_password_is_invalid_credentials_and_records_nothing(alice, session):
    with pytest.raises(InvalidCredentials, match="Invalid username/email or password"):
        services.login(login="alice", password="nope", user_agent=None, client_address=None)
    assert sessions_of(session, alice) == []


def test_logout_refuses_a_refresh_token_that_is_not_the_users(alice, bob):
    claims = read_claims(log_in(alice).access_token)
    bobs = log_in(bob).refresh_token
    with pytest.raises(InvalidInput) as info:
        services.logout(user=get_user(alice.id), claims=claims, refresh_token=bobs)
    assert info.value.errors == {"json": {"refresh_token": ["Not one of your refresh tokens."]}}
    with pytest.raises(InvalidInput):
        services.logout(user=get_user(alice.id), claims=claims, refresh_token="not.a.token")


def test_logout_revokes_the_presented_session_only(alice, session):
    first, second = log_in(alice), log_in(alice)
    services.logout(
        user=get_user(alice.id), claims=read_claims(first.access_token), refresh_token=None
    )
    revoked = {row["id"]: row["revoked_at"] is not None for row in sessions_of(session, alice)}
    assert revoked == {
        read_claims(first.access_token)["sid"]: True,
        read_claims(second.access_token)["sid"]: False,
    }


def test_revoke_all_sessions_ends_every_live_one(alice, session):
    for _ in range(3):
        log_in(alice)
    assert services.revoke_all_sessions(get_user(alice.id)) == 3
    assert all(row["revoked_at"] is not None for row in sessions_of(session, alice))
    assert services.revoke_all_sessions(get_user(alice.id)) == 0
