"""PATCH /api/v1/users/{id}: profile changes, permissions, password changes."""

from __future__ import annotations

import pytest

from project.common.security import verify_password
from tests.kit import (
    LOGIN,
    ME,
    PASSWORD,
    REFRESH,
    SECRET_KEYS,
    assert_problem,
    assert_unauthorized,
    bearer,
    field_errors,
    stored_user,
    user_url,
)


def login_status(client, login: str, password: str) -> int:
    return client.post(LOGIN, json={"login": login, "password": password}).status_code


# --- own profile ------------------------------------------------------------


def test_patch_self_updates_profile_fields(client, login, session, alice):
    token = login(alice)["access_token"]

    response = client.patch(
        user_url(alice),
        json={"email": "new@example.com", "display_name": "Alice B.", "bio": "New bio"},
        headers=bearer(token),
    )

    assert response.status_code == 200
    body = response.json
    assert body["email"] == "new@example.com"
    assert body["display_name"] == "Alice B."
    assert body["bio"] == "New bio"
    assert body["username"] == "alice"
    assert not SECRET_KEYS & body.keys()
    row = stored_user(session, alice.id)
    assert row["email"] == "new@example.com"
    assert row["display_name"] == "Alice B."
    assert row["bio"] == "New bio"
    assert row["updated_at"] >= row["created_at"]


def test_patch_is_partial(client, auth, session, alice):
    response = client.patch(user_url(alice), json={"bio": "only bio"}, headers=auth(alice))

    assert response.status_code == 200
    row = stored_user(session, alice.id)
    assert row["bio"] == "only bio"
    assert row["display_name"] == "Alice"
    assert row["email"] == "alice@example.com"


def test_patch_can_clear_optional_fields(client, auth, session, alice):
    response = client.patch(
        user_url(alice),
        json={"display_name": None, "bio": None},
        headers=auth(alice),
    )

    assert response.status_code == 200
    row = stored_user(session, alice.id)
    assert row["display_name"] is None
    assert row["bio"] is None


def test_patch_empty_body_changes_nothing(client, auth, session, alice):
    before = stored_user(session, alice.id)

    response = client.patch(user_url(alice), json={}, headers=auth(alice))

    assert response.status_code == 200
    after = stored_user(session, alice.id)
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }


def test_patch_email_may_change_case_of_own_address(client, auth, alice):
    response = client.patch(
        user_url(alice), json={"email": "ALICE@example.com"}, headers=auth(alice)
    )

    assert response.status_code == 200
    assert response.json["email"] == "ALICE@example.com"


@pytest.mark.parametrize("email", ["bob@example.com", "BOB@EXAMPLE.COM"])
def test_patch_email_taken_by_someone_else_is_409(client, auth, session, alice, bob, email):
    response = client.patch(user_url(alice), json={"email": email}, headers=auth(alice))

    assert_problem(response, 409, "This email is already registered.")
    assert stored_user(session, alice.id)["email"] == "alice@example.com"


@pytest.mark.parametrize(
    "data, field",
    [
        ({"email": "nope"}, "email"),
        ({"email": None}, "email"),
        ({"display_name": "x" * 51}, "display_name"),
        ({"bio": "x" * 501}, "bio"),
        ({"password": "short"}, "password"),
        ({"password": "x" * 129, "current_password": PASSWORD}, "password"),
        ({"username": "renamed"}, "username"),
        ({"post_count": 99}, "post_count"),
        ({"password_hash": "x"}, "password_hash"),
        ({"id": 5}, "id"),
        ({"is_admin": "maybe"}, "is_admin"),
    ],
)
def test_patch_invalid_or_unknown_fields_are_422(client, auth, session, alice, data, field):
    before = stored_user(session, alice.id)

    response = client.patch(user_url(alice), json=data, headers=auth(alice))

    assert field in field_errors(response)
    assert stored_user(session, alice.id) == before


def test_patch_needs_a_token(client, alice):
    assert_unauthorized(client.patch(user_url(alice), json={"bio": "x"}))


def test_patch_without_token_is_401_even_with_an_invalid_body(client, alice):
    assert_unauthorized(client.patch(user_url(alice), json={"email": "not-an-email"}))


def test_patch_unknown_user_is_404(client, auth, alice):
    response = client.patch(
        f"/api/v1/users/{alice.id + 1000}",
        json={"bio": "x"},
        headers=auth(alice),
    )

    assert_problem(response, 404)


# --- other people's profiles --------------------------------------------------


def test_patch_other_user_is_403(client, auth, session, alice, bob):
    response = client.patch(user_url(bob), json={"bio": "hacked"}, headers=auth(alice))

    assert_problem(response, 403, "You can only change your own account.")
    assert stored_user(session, bob.id)["bio"] == bob.bio


def test_patch_other_user_password_is_403(client, alice, bob, auth):
    response = client.patch(user_url(bob), json={"password": "newpassword1"}, headers=auth(alice))

    assert_problem(response, 403)
    assert login_status(client, "bob", PASSWORD) == 200
    assert login_status(client, "bob", "newpassword1") == 401


def test_admin_can_patch_other_user(client, auth, session, admin, bob):
    response = client.patch(
        user_url(bob),
        json={"display_name": "Robert", "email": "robert@example.com"},
        headers=auth(admin),
    )

    assert response.status_code == 200
    # Admins see private fields of the user they changed.
    assert response.json["email"] == "robert@example.com"
    assert response.json["is_admin"] is False
    row = stored_user(session, bob.id)
    assert row["display_name"] == "Robert"
    assert row["email"] == "robert@example.com"


def test_admin_patch_email_conflict_is_409(client, auth, session, admin, alice, bob):
    response = client.patch(user_url(bob), json={"email": "Alice@Example.com"}, headers=auth(admin))

    assert_problem(response, 409)
    assert stored_user(session, bob.id)["email"] == "bob@example.com"


# --- admin rights -------------------------------------------------------------


@pytest.mark.parametrize("value", [True, False])
def test_non_admin_cannot_set_is_admin_even_on_self(client, auth, session, alice, value):
    response = client.patch(user_url(alice), json={"is_admin": value}, headers=auth(alice))

    assert_problem(response, 403, "Only admins can grant or revoke admin rights.")
    assert stored_user(session, alice.id)["is_admin"] is False


def test_non_admin_is_admin_change_is_atomic(client, auth, session, alice):
    response = client.patch(
        user_url(alice),
        json={"is_admin": True, "bio": "sneaky"},
        headers=auth(alice),
    )

    assert response.status_code == 403
    assert stored_user(session, alice.id)["bio"] == alice.bio


def test_admin_can_grant_and_revoke_admin(client, auth, session, admin, bob):
    headers = auth(admin)

    granted = client.patch(user_url(bob), json={"is_admin": True}, headers=headers)

    assert granted.status_code == 200
    assert granted.json["is_admin"] is True
    assert stored_user(session, bob.id)["is_admin"] is True
    # The new admin now sees other people's email.
    bob_headers = auth(bob)
    assert client.get(user_url(admin), headers=bob_headers).json["email"] == admin.email

    revoked = client.patch(user_url(bob), json={"is_admin": False}, headers=headers)

    assert revoked.status_code == 200
    assert stored_user(session, bob.id)["is_admin"] is False
    assert "email" not in client.get(user_url(admin), headers=bob_headers).json


# --- password changes -----------------------------------------------------------


def test_password_change_without_current_password_is_403(client, auth, alice):
    response = client.patch(user_url(alice), json={"password": "newpassword1"}, headers=auth(alice))

    assert_problem(response, 403, "Changing your password needs current_password.")
    assert login_status(client, "alice", PASSWORD) == 200
    assert login_status(client, "alice", "newpassword1") == 401


def test_password_change_with_wrong_current_password_is_403(client, login, alice):
    token = login(alice)["access_token"]

    response = client.patch(
        user_url(alice),
        json={"password": "newpassword1", "current_password": "wrong-password"},
        headers=bearer(token),
    )

    assert_problem(response, 403, "The current password is wrong.")
    assert login_status(client, "alice", PASSWORD) == 200
    assert login_status(client, "alice", "newpassword1") == 401
    # A failed attempt ends no session.
    assert client.get(ME, headers=bearer(token)).status_code == 200


def test_password_change_with_current_password(client, login, session, app, alice):
    token = login(alice)["access_token"]

    response = client.patch(
        user_url(alice),
        json={"password": "newpassword1", "current_password": PASSWORD},
        headers=bearer(token),
    )

    assert response.status_code == 200
    assert not SECRET_KEYS & response.json.keys()
    assert login_status(client, "alice", "newpassword1") == 200
    assert login_status(client, "alice", PASSWORD) == 401
    with app.app_context():
        assert verify_password(stored_user(session, alice.id)["password_hash"], "newpassword1")


def test_password_change_ends_every_existing_session(client, login, alice, bob):
    first = login("alice")
    second = login("alice@example.com")
    bystander = login("bob")

    response = client.patch(
        user_url(alice),
        json={"password": "newpassword1", "current_password": PASSWORD},
        headers=bearer(first["access_token"]),
    )
    assert response.status_code == 200

    for tokens in (first, second):
        assert_unauthorized(client.get(ME, headers=bearer(tokens["access_token"])))
        assert_unauthorized(client.post(REFRESH, headers=bearer(tokens["refresh_token"])))
    # Other users' sessions are untouched.
    assert client.get(ME, headers=bearer(bystander["access_token"])).status_code == 200
    # A fresh login with the new password works.
    fresh = login("alice", "newpassword1")
    assert client.get(ME, headers=bearer(fresh["access_token"])).status_code == 200


def test_profile_change_without_password_keeps_sessions(client, login, alice):
    tokens = login("alice")

    client.patch(
        user_url(alice), json={"bio": "still here"}, headers=bearer(tokens["access_token"])
    )

    assert client.get(ME, headers=bearer(tokens["access_token"])).status_code == 200


def test_admin_sets_other_users_password_without_current_password(client, login, admin, bob):
    bob_tokens = login("bob")
    admin_token = login(admin)["access_token"]

    response = client.patch(
        user_url(bob), json={"password": "resetpass1"}, headers=bearer(admin_token)
    )

    assert response.status_code == 200
    assert login_status(client, "bob", "resetpass1") == 200
    assert login_status(client, "bob", PASSWORD) == 401
    # Bob's sessions end; the admin's does not.
    assert_unauthorized(client.get(ME, headers=bearer(bob_tokens["access_token"])))
    assert client.get(ME, headers=bearer(admin_token)).status_code == 200


def test_admin_changing_own_password_needs_current_password(client, auth, admin):
    response = client.patch(user_url(admin), json={"password": "newpassword1"}, headers=auth(admin))

    assert_problem(response, 403, "Changing your password needs current_password.")


def test_email_change_race_lost_at_the_unique_index_is_409(
    client, login, session, lost_race, alice, bob
):
    token = login(alice)["access_token"]

    response = client.patch(
        user_url(alice), json={"email": "BOB@example.com"}, headers=bearer(token)
    )

    assert_problem(response, 409, "This email is already registered.")
    assert stored_user(session, alice.id)["email"] == "alice@example.com"
    assert client.get(ME, headers=bearer(token)).json["email"] == "alice@example.com"
